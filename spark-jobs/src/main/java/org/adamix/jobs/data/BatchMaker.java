package org.adamix.jobs.data;

import java.util.List;
import org.adamix.model.Batch;
import org.adamix.model.HeadConfig;
import org.nd4j.linalg.api.buffer.DataType;

/** Tokenized examples → the model's {@link Batch} (padded to the batch's longest sequence). */
public final class BatchMaker {
    private BatchMaker() {}

    public static Batch of(List<TokenizedExample> examples, HeadConfig head, boolean withLabels) {
        int n = examples.size();
        int[][] ids = new int[n][];
        int[][] types = new int[n][];
        double[] labels = withLabels ? new double[n] : null;
        for (int i = 0; i < n; i++) {
            TokenizedExample e = examples.get(i);
            ids[i] = e.ids();
            types[i] = e.typeIds();
            if (withLabels) labels[i] = e.label();
        }
        return Batch.of(ids, types, labels, head.numLabels(), head.regression(), DataType.FLOAT);
    }
}
