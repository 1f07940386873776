package org.adamix.jobs.eval;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.adamix.jobs.data.BatchMaker;
import org.adamix.jobs.data.TokenizedExample;
import org.adamix.jobs.spark.ExecutorModels;
import org.adamix.jobs.spark.ModelSpec;
import org.adamix.jobs.spark.ShippedBackbone;
import org.adamix.jobs.spark.Weights;
import org.adamix.model.AdaMixModel;
import org.adamix.model.adamix.Router;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Batch inference over one partition with this JVM's model (built once, weights set per task). */
public final class Predictor implements Serializable {
    private final ModelSpec spec;
    private final int batchSize;
    private final Router.Evaluation routing;

    public Predictor(ModelSpec spec, int batchSize) {
        this(spec, batchSize, Router.Evaluation.AVERAGE);
    }

    public Predictor(ModelSpec spec, int batchSize, Router.Evaluation routing) {
        this.spec = spec;
        this.batchSize = batchSize;
        this.routing = routing;
    }

    public List<Prediction> run(
            Iterator<TokenizedExample> examples, Weights weights, ShippedBackbone backbone) {
        try (ExecutorModels.Lease lease = ExecutorModels.borrow(backbone, spec)) {
            AdaMixModel m = lease.model();
            weights.loadInto(m);
            m.setEvaluationRouting(routing); // pooled models are shared: every task sets its own
            return predict(m, examples, batchSize);
        }
    }

    /** Evaluation-mode outputs of a model, batch by batch, in the examples' order. */
    public static List<Prediction> predict(
            AdaMixModel m, Iterator<TokenizedExample> examples, int batchSize) {
        List<Prediction> out = new ArrayList<>();
        List<TokenizedExample> batch = new ArrayList<>(batchSize);
        while (examples.hasNext()) {
            batch.add(examples.next());
            if (batch.size() == batchSize || !examples.hasNext()) {
                INDArray logits = m.predict(BatchMaker.of(batch, m.head(), false));
                for (int i = 0; i < batch.size(); i++) {
                    TokenizedExample e = batch.get(i);
                    out.add(
                            new Prediction(
                                    e.id(), logits.getRow(i).dup().data().asFloat(), e.label()));
                }
                batch.clear();
            }
        }
        return out;
    }
}
