package org.adamix.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A batch in the graph's layout: tokens [B, 2, T] (token ids, token-type ids), attention mask [B,
 * T] (1 = real token), labels [B, C] one-hot or [B, 1] regression targets (null for inference).
 * Sequences are padded to the batch's longest, not to the model maximum.
 */
public record Batch(INDArray tokens, INDArray mask, INDArray labels) {

    public int size() {
        return (int) tokens.size(0);
    }

    /**
     * Pads and packs token sequences. {@code labels} holds class indices (classification) or
     * targets (regression, numLabels = 1); null for inference.
     */
    public static Batch of(
            int[][] ids,
            int[][] typeIds,
            double[] labels,
            int numLabels,
            boolean regression,
            DataType dt) {
        int b = ids.length, t = 0;
        for (int[] s : ids) t = Math.max(t, s.length);
        float[] tok = new float[b * 2 * t];
        float[] mask = new float[b * t];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < ids[i].length; j++) {
                tok[i * 2 * t + j] = ids[i][j];
                tok[i * 2 * t + t + j] = typeIds == null ? 0 : typeIds[i][j];
                mask[i * t + j] = 1;
            }
        }
        INDArray y = null;
        if (labels != null) {
            if (regression) {
                y = Nd4j.create(labels, new long[] {b, 1}, dt);
            } else {
                y = Nd4j.zeros(dt, b, numLabels);
                for (int i = 0; i < b; i++) {
                    int c = (int) labels[i];
                    if (c < 0 || c >= numLabels || c != labels[i])
                        throw new IllegalArgumentException(
                                "label "
                                        + labels[i]
                                        + " of example "
                                        + i
                                        + " is not a class in [0, "
                                        + numLabels
                                        + ")");
                    y.putScalar(i, c, 1.0);
                }
            }
        }
        return new Batch(
                Nd4j.createFromArray(tok).reshape(b, 2, t).castTo(dt),
                Nd4j.createFromArray(mask).reshape(b, t).castTo(dt),
                y);
    }

    /** The same examples twice: the two views of the consistency loss, run as one batch. */
    public Batch doubled() {
        return new Batch(
                Nd4j.concat(0, tokens, tokens),
                Nd4j.concat(0, mask, mask),
                labels == null ? null : Nd4j.concat(0, labels, labels));
    }
}
