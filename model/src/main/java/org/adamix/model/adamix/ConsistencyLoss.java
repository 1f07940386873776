package org.adamix.model.adamix;

import org.nd4j.shade.jackson.annotation.JsonProperty;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The task loss over both views plus AdaMix's consistency regularisation (§3.2).
 *
 * <p>The batch holds two training views of the same examples, rows [0, B) and [B, 2B), which took
 * different routes (and dropout). With p, q the predicted distributions of the two views:
 * <pre>
 *   L = ½(CE(p, y) + CE(q, y)) + w · ½[KL(p ‖ sg(q)) + KL(q ‖ sg(p))]        (means over the batch)
 * </pre>
 * sg = stop-gradient: the first KL moves only p, the second only q. Regression uses squared error
 * and w·(ŷ₁ − sg(ŷ₂))² symmetrically. With one view (or w = 0) it is plain cross-entropy / MSE.
 *
 * <p>DL4J convention: per-row scores sum to the total; the gradient is that of the sum, and the
 * updater divides by the number of rows (2B), which gives exactly the means above.
 */
public class ConsistencyLoss implements ILossFunction {
    @JsonProperty private double weight;
    @JsonProperty private int views;
    @JsonProperty private boolean regression;

    public ConsistencyLoss() {
        this(0.0, 1, false);
    }

    public ConsistencyLoss(double weight, int views, boolean regression) {
        if (views != 1 && views != 2) throw new IllegalArgumentException("views must be 1 or 2");
        this.weight = weight;
        this.views = views;
        this.regression = regression;
    }

    @Override
    public double computeScore(INDArray labels, INDArray logits, IActivation activationFn, INDArray mask, boolean average) {
        double sum = computeScoreArray(labels, logits, activationFn, mask).sumNumber().doubleValue();
        return average ? sum / logits.size(0) : sum;
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray logits, IActivation activationFn, INDArray mask) {
        return scoreAndGradient(labels, logits, false).getFirst();
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray logits, IActivation activationFn, INDArray mask) {
        return scoreAndGradient(labels, logits, true).getSecond();
    }

    @Override
    public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray logits, IActivation activationFn,
                                                          INDArray mask, boolean average) {
        Pair<INDArray, INDArray> p = scoreAndGradient(labels, logits, true);
        double sum = p.getFirst().sumNumber().doubleValue();
        return new Pair<>(average ? sum / logits.size(0) : sum, p.getSecond());
    }

    /** Per-row loss [R, 1] and d(sum of rows)/d logits [R, C]. */
    private Pair<INDArray, INDArray> scoreAndGradient(INDArray labels, INDArray logits, boolean wantGrad) {
        labels = labels.castTo(logits.dataType());
        return regression ? regression(labels, logits) : classification(labels, logits);
    }

    private Pair<INDArray, INDArray> classification(INDArray y, INDArray z) {
        INDArray logp = logSoftmax(z);
        INDArray p = Transforms.exp(logp, true);
        INDArray score = y.mul(logp).sum(true, 1).negi();          // cross-entropy per row
        INDArray grad = p.sub(y);
        if (views == 2 && weight > 0) {
            long b = z.size(0) / 2;
            INDArray logp1 = rows(logp, 0, b), logp2 = rows(logp, b, 2 * b);
            INDArray p1 = rows(p, 0, b), p2 = rows(p, b, 2 * b);
            // KL(p1 ‖ sg p2) moves view 1; KL(p2 ‖ sg p1) moves view 2.
            INDArray a1 = logp1.sub(logp2), a2 = logp2.sub(logp1);
            INDArray kl1 = p1.mul(a1).sum(true, 1), kl2 = p2.mul(a2).sum(true, 1);
            rows(score, 0, b).addi(kl1.mul(weight));
            rows(score, b, 2 * b).addi(kl2.mul(weight));
            // d KL(p ‖ sg q)/dz = p ⊙ (log p − log q − KL)
            rows(grad, 0, b).addi(p1.mul(a1.subiColumnVector(kl1)).muli(weight));
            rows(grad, b, 2 * b).addi(p2.mul(a2.subiColumnVector(kl2)).muli(weight));
        }
        return new Pair<>(score, grad);
    }

    private Pair<INDArray, INDArray> regression(INDArray y, INDArray z) {
        INDArray diff = z.sub(y);
        INDArray score = diff.mul(diff).sum(true, 1);
        INDArray grad = diff.mul(2.0);
        if (views == 2 && weight > 0) {
            long b = z.size(0) / 2;
            INDArray d12 = rows(z, 0, b).sub(rows(z, b, 2 * b));
            INDArray sq = d12.mul(d12).sum(true, 1).muli(weight);
            rows(score, 0, b).addi(sq);
            rows(score, b, 2 * b).addi(sq);
            rows(grad, 0, b).addi(d12.mul(2 * weight));
            rows(grad, b, 2 * b).addi(d12.mul(-2 * weight));
        }
        return new Pair<>(score, grad);
    }

    /** log softmax over classes, shifted by the row maximum for stability. */
    private static INDArray logSoftmax(INDArray z) {
        INDArray shifted = z.subColumnVector(z.max(true, 1));
        INDArray lse = Transforms.log(Transforms.exp(shifted, true).sum(true, 1), false);
        return shifted.subiColumnVector(lse);
    }

    private static INDArray rows(INDArray m, long from, long to) {
        return m.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to), org.nd4j.linalg.indexing.NDArrayIndex.all());
    }

    @Override
    public String name() {
        return "ConsistencyLoss(w=" + weight + ", views=" + views + (regression ? ", regression" : "") + ")";
    }

    public double weight() {
        return weight;
    }

    @Override
    public String toString() {
        return name();
    }
}
