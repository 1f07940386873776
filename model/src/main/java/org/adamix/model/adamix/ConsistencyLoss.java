package org.adamix.model.adamix;

import org.adamix.model.ops.Ops;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * The task loss plus AdaMix's consistency regularisation (§3.2) over two training views.
 *
 * <p>The batch holds two views of the same examples, rows [0, B) and [B, 2B), which took different
 * routes and dropout masks. With p, q the predicted distributions of view 1 and view 2, sg =
 * stop-gradient:
 *
 * <pre>
 *   AUTHORS (default):  L = CE(p, y) + w · ½[KL(sg(q) ‖ p) + KL(sg(p) ‖ q)]
 *   SYMMETRIC_CE:       L = ½(CE(p, y) + CE(q, y)) + w · ½[KL(p ‖ sg(q)) + KL(q ‖ sg(p))]
 * </pre>
 *
 * (means over the B examples). AUTHORS is the authors' code (microsoft/AdaMix, RoBERTa's {@code
 * symmetric_KL_loss}: PyTorch's {@code kl_div(log_softmax(p), softmax(q).detach())} is KL(sg q ‖
 * p), batch mean): cross-entropy on the first view only, each view pulled towards the other's
 * detached distribution, whose gradient is simply p − sg(q). SYMMETRIC_CE was this project's first
 * reading of the paper; it is kept as an option. For regression AUTHORS has no consistency term (a
 * one-output softmax is constant; {@link org.adamix.model.AdaptationConfig#forHead} then runs one
 * view), and SYMMETRIC_CE adds w·(ŷ₁ − ŷ₂)² to the mean of both views' squared errors.
 *
 * <p>DL4J convention: per-row scores sum to the total; the gradient is that of the sum, and the
 * updater divides by the number of rows (2B). So view-1 rows carry 2·CE under AUTHORS, which makes
 * the division give exactly the means above.
 */
public class ConsistencyLoss implements ILossFunction {
    /** Which objective the two views train ({@code --consistency authors|symmetric-ce}). */
    public enum Form {
        AUTHORS,
        SYMMETRIC_CE;

        public String cliName() {
            return org.adamix.model.CliEnum.name(this);
        }

        public static Form of(String name) {
            return org.adamix.model.CliEnum.of(Form.class, name, "consistency form");
        }
    }

    @JsonProperty private double weight;
    @JsonProperty private int views;
    @JsonProperty private boolean regression;
    @JsonProperty private Form form;

    public ConsistencyLoss() {
        this(0.0, 1, false, Form.AUTHORS);
    }

    public ConsistencyLoss(double weight, int views, boolean regression, Form form) {
        if (views != 1 && views != 2) throw new IllegalArgumentException("views must be 1 or 2");
        this.weight = weight;
        this.views = views;
        this.regression = regression;
        this.form = form;
    }

    @Override
    public double computeScore(
            INDArray labels,
            INDArray logits,
            IActivation activationFn,
            INDArray mask,
            boolean average) {
        double sum =
                computeScoreArray(labels, logits, activationFn, mask).sumNumber().doubleValue();
        return average ? sum / logits.size(0) : sum;
    }

    @Override
    public INDArray computeScoreArray(
            INDArray labels, INDArray logits, IActivation activationFn, INDArray mask) {
        return scoreAndGradient(labels, logits).getFirst();
    }

    @Override
    public INDArray computeGradient(
            INDArray labels, INDArray logits, IActivation activationFn, INDArray mask) {
        return scoreAndGradient(labels, logits).getSecond();
    }

    @Override
    public Pair<Double, INDArray> computeGradientAndScore(
            INDArray labels,
            INDArray logits,
            IActivation activationFn,
            INDArray mask,
            boolean average) {
        Pair<INDArray, INDArray> p = scoreAndGradient(labels, logits);
        double sum = p.getFirst().sumNumber().doubleValue();
        return new Pair<>(average ? sum / logits.size(0) : sum, p.getSecond());
    }

    /** Per-row loss [R, 1] and d(sum of rows)/d logits [R, C]. */
    private Pair<INDArray, INDArray> scoreAndGradient(INDArray labels, INDArray logits) {
        labels = labels.castTo(logits.dataType());
        boolean twoViews = views == 2 && weight > 0;
        if (regression)
            return twoViews && form == Form.SYMMETRIC_CE
                    ? symmetricRegression(labels, logits)
                    : squaredError(labels, logits);
        if (!twoViews) return crossEntropy(labels, logits);
        return form == Form.AUTHORS ? authors(labels, logits) : symmetricCe(labels, logits);
    }

    /** Per row: CE(p, y) and its gradient p − y. */
    private static Pair<INDArray, INDArray> crossEntropy(INDArray y, INDArray z) {
        INDArray logp = logSoftmax(z);
        INDArray p = Transforms.exp(logp, true);
        return new Pair<>(y.mul(logp).sum(true, 1).negi(), p.sub(y));
    }

    /**
     * View 1: 2·CE(p) + w·KL(sg q ‖ p), gradient 2(p − y) + w(p − q); view 2: w·KL(sg p ‖ q),
     * gradient w(q − p).
     */
    private Pair<INDArray, INDArray> authors(INDArray y, INDArray z) {
        long b = z.size(0) / 2;
        INDArray logp = logSoftmax(z);
        INDArray prob = Transforms.exp(logp, true);
        INDArray logp1 = Ops.rows(logp, 0, b), logp2 = Ops.rows(logp, b, 2 * b);
        INDArray p1 = Ops.rows(prob, 0, b), p2 = Ops.rows(prob, b, 2 * b);
        INDArray score = Nd4j.zeros(z.dataType(), z.size(0), 1);
        INDArray grad = Nd4j.zeros(z.dataType(), z.shape());
        INDArray ce = Ops.rows(y, 0, b).mul(logp1).sum(true, 1).negi();
        INDArray klQP = p2.mul(logp2.sub(logp1)).sum(true, 1); // KL(q ‖ p)
        INDArray klPQ = p1.mul(logp1.sub(logp2)).sum(true, 1); // KL(p ‖ q)
        Ops.rows(score, 0, b).assign(ce.muli(2).addi(klQP.muli(weight)));
        Ops.rows(score, b, 2 * b).assign(klPQ.muli(weight));
        INDArray pMinusQ = p1.sub(p2);
        Ops.rows(grad, 0, b).assign(p1.sub(Ops.rows(y, 0, b)).muli(2).addi(pMinusQ.mul(weight)));
        Ops.rows(grad, b, 2 * b).assign(pMinusQ.muli(-weight));
        return new Pair<>(score, grad);
    }

    /** Per row: CE plus w·KL(own ‖ sg other); d KL(p ‖ sg q)/dz = p ⊙ (log p − log q − KL). */
    private Pair<INDArray, INDArray> symmetricCe(INDArray y, INDArray z) {
        Pair<INDArray, INDArray> ce = crossEntropy(y, z);
        INDArray score = ce.getFirst(), grad = ce.getSecond();
        long b = z.size(0) / 2;
        INDArray logp = logSoftmax(z);
        INDArray p = Transforms.exp(logp, true);
        INDArray logp1 = Ops.rows(logp, 0, b), logp2 = Ops.rows(logp, b, 2 * b);
        INDArray p1 = Ops.rows(p, 0, b), p2 = Ops.rows(p, b, 2 * b);
        INDArray a1 = logp1.sub(logp2), a2 = logp2.sub(logp1);
        INDArray kl1 = p1.mul(a1).sum(true, 1), kl2 = p2.mul(a2).sum(true, 1);
        Ops.rows(score, 0, b).addi(kl1.mul(weight));
        Ops.rows(score, b, 2 * b).addi(kl2.mul(weight));
        Ops.rows(grad, 0, b).addi(p1.mul(a1.subiColumnVector(kl1)).muli(weight));
        Ops.rows(grad, b, 2 * b).addi(p2.mul(a2.subiColumnVector(kl2)).muli(weight));
        return new Pair<>(score, grad);
    }

    private static Pair<INDArray, INDArray> squaredError(INDArray y, INDArray z) {
        INDArray diff = z.sub(y);
        return new Pair<>(diff.mul(diff).sum(true, 1), diff.mul(2.0));
    }

    /** Squared error of both views plus w·(ŷ₁ − ŷ₂)² on each view's rows (SYMMETRIC_CE only). */
    private Pair<INDArray, INDArray> symmetricRegression(INDArray y, INDArray z) {
        Pair<INDArray, INDArray> se = squaredError(y, z);
        INDArray score = se.getFirst(), grad = se.getSecond();
        long b = z.size(0) / 2;
        INDArray d12 = Ops.rows(z, 0, b).sub(Ops.rows(z, b, 2 * b));
        INDArray sq = d12.mul(d12).sum(true, 1).muli(weight);
        Ops.rows(score, 0, b).addi(sq);
        Ops.rows(score, b, 2 * b).addi(sq);
        Ops.rows(grad, 0, b).addi(d12.mul(2 * weight));
        Ops.rows(grad, b, 2 * b).addi(d12.mul(-2 * weight));
        return new Pair<>(score, grad);
    }

    /** log softmax over classes, shifted by the row maximum for stability. */
    private static INDArray logSoftmax(INDArray z) {
        INDArray shifted = z.subColumnVector(z.max(true, 1));
        INDArray lse = Transforms.log(Transforms.exp(shifted, true).sum(true, 1), false);
        return shifted.subiColumnVector(lse);
    }

    @Override
    public String name() {
        return "ConsistencyLoss("
                + form.cliName()
                + ", w="
                + weight
                + ", views="
                + views
                + (regression ? ", regression" : "")
                + ")";
    }

    public double weight() {
        return weight;
    }

    @Override
    public String toString() {
        return name();
    }
}
