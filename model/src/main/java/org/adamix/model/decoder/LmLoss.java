package org.adamix.model.decoder;

import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The decoder's training objective, the authors' GPT-2 one (their {@code GPT2LMModel.forward}):
 *
 * <pre>
 *   L = (1/N)·Σ_tokens [(1 − ε)·(−log p_y) + ε·mean_v(−log p_v)]                   view 1 only
 *     + w·(1/N)·Σ_tokens ½[KL(sg q ‖ p) + KL(sg p ‖ q)]                            with a 2nd view
 * </pre>
 *
 * over the N target tokens (the completion), p and q the two routed views' next-token
 * distributions, ε the label smoothing (they use 0.1), w the consistency weight (they use 100), sg
 * stop-gradient. Their CE divides by N + 0.0001, a guard against N = 0; here N ≥ 1 is required.
 *
 * <p>Gradient with respect to the logits: view 1, p − (1 − ε)·onehot(y) − ε/V plus w·½·(p − q);
 * view 2, w·½·(q − p); each divided by N. Computed in double per row.
 */
final class LmLoss {
    private final double smoothing, consistencyWeight;
    private double[] p = new double[0], q = new double[0];

    LmLoss(double smoothing, double consistencyWeight) {
        if (smoothing < 0 || smoothing >= 1)
            throw new IllegalArgumentException("label smoothing must be in [0, 1)");
        this.smoothing = smoothing;
        this.consistencyWeight = consistencyWeight;
    }

    /**
     * The loss of {@code logits} [views·rows, V] (views stacked by rows) against {@code targets}
     * [rows] (−1: none), writing dL/dlogits into {@code dLogits} (same shape; may be null to skip).
     */
    double compute(INDArray logits, int[] targets, int views, INDArray dLogits) {
        int rows = targets.length, vocab = (int) logits.size(1);
        if (logits.size(0) != (long) rows * views)
            throw new IllegalArgumentException(
                    logits.size(0) + " logit rows for " + rows + " × " + views);
        int n = 0;
        for (int y : targets) if (y >= 0) n++;
        if (n == 0) throw new IllegalArgumentException("no target token in the batch");
        if (p.length < vocab) {
            p = new double[vocab];
            q = new double[vocab];
        }
        if (dLogits != null) dLogits.assign(0);
        DataBuffer z = logits.data(), g = dLogits == null ? null : dLogits.data();
        double loss = 0, inv = 1.0 / n;
        for (int r = 0; r < rows; r++) {
            int y = targets[r];
            if (y < 0) continue;
            long at = (long) r * vocab;
            double logZ = softmax(z, at, vocab, p);
            double sumLogP = 0;
            for (int v = 0; v < vocab; v++) sumLogP += z.getDouble(at + v) - logZ;
            double nll = -(z.getDouble(at + y) - logZ);
            loss += inv * ((1 - smoothing) * nll - smoothing * sumLogP / vocab);
            boolean second = views > 1 && consistencyWeight > 0;
            long qAt = ((long) rows + r) * vocab;
            if (second) {
                double logZq = softmax(z, qAt, vocab, q);
                double kl = 0; // ½[KL(q‖p) + KL(p‖q)] = ½ Σ (p − q)(log p − log q)
                for (int v = 0; v < vocab; v++)
                    kl +=
                            (p[v] - q[v])
                                    * ((z.getDouble(at + v) - logZ)
                                            - (z.getDouble(qAt + v) - logZq));
                loss += inv * consistencyWeight * 0.5 * kl;
            }
            if (g == null) continue;
            long gp = (long) r * vocab, gq = ((long) rows + r) * vocab;
            for (int v = 0; v < vocab; v++) {
                double d = p[v] - smoothing / vocab - (v == y ? 1 - smoothing : 0);
                if (second) {
                    double c = consistencyWeight * 0.5 * (p[v] - q[v]);
                    d += c;
                    g.put(gq + v, -c * inv);
                }
                g.put(gp + v, d * inv);
            }
        }
        return loss;
    }

    /** out = softmax of the row at {@code at}; returns log Σ exp. */
    private static double softmax(DataBuffer z, long at, int vocab, double[] out) {
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < vocab; v++) max = Math.max(max, z.getDouble(at + v));
        double sum = 0;
        for (int v = 0; v < vocab; v++) {
            out[v] = Math.exp(z.getDouble(at + v) - max);
            sum += out[v];
        }
        for (int v = 0; v < vocab; v++) out[v] /= sum;
        return max + Math.log(sum);
    }
}
