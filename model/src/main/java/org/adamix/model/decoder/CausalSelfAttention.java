package org.adamix.model.decoder;

import java.util.Arrays;
import org.adamix.model.ops.Buffers;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * ctx = softmax(Q·Kᵀ/√d + mask)·V per head, for t new query columns against every cached key: query
 * column i (absolute column past + i) sees the keys of columns 0..past + i that are tokens, never a
 * later column (causal) and never padding. The same code serves a whole sequence (past = 0) and one
 * decoding step (t = 1), so the KV cache cannot drift from full recomputation.
 *
 * <p>Padding: any mix of left and right padding works, as the mask is per key column. A padding
 * query column sees only the real tokens before it (right padding) or none at all (left padding);
 * with none its context is zero. Either way its output is meaningless and nothing real attends to
 * it.
 *
 * <p>Scores, softmax and the weighted sum run in double for float32 and float64 alike, over keys in
 * column order: every output depends only on its own row's inputs, in a fixed order, so a later
 * token cannot move an earlier position's output by a single bit. This is the readable path; the
 * fused float32 kernel of {@code ops/VectorAttention} can take its place once it learns a causal
 * mask, and tests will hold them equal.
 */
final class CausalSelfAttention {
    private final int heads, headSize;
    private final double scale;

    /** Kept for a backward pass: the probabilities [batch, heads, t, capacity], row-major. */
    private double[] probs = new double[0];

    /** One query's scores, then exp(score - max), per key column. */
    private double[] weights = new double[0];

    CausalSelfAttention(Gpt2Config config, Buffers buffers) {
        heads = config.numHeads();
        headSize = config.headSize();
        scale = 1.0 / Math.sqrt(headSize);
    }

    /** q, ctx [batch·t, n_embd]; this call's keys and values already in {@code cache}. */
    void forward(INDArray q, KvCache cache, int layer, int t, INDArray ctx) {
        int batch = cache.batch(), cap = cache.capacity(), past = cache.length();
        int width = heads * headSize;
        if (weights.length < cap) weights = new double[cap];
        if (probs.length < batch * heads * t * cap) probs = new double[batch * heads * t * cap];
        // copied once into double arrays: the loops below then touch no DataBuffer
        double[] qd = read(q, batch * t * width, 0),
                kd = read(cache.keys(layer), batch * cap * width, 1),
                vd = read(cache.values(layer), batch * cap * width, 2),
                out = zero(batch * t * width, 3);
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                int col = h * headSize;
                for (int i = 0; i < t; i++) {
                    int last = past + i, qAt = (b * t + i) * width + col;
                    int pAt = ((b * heads + h) * t + i) * cap;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= last; j++) {
                        if (!cache.valid(b, j)) continue;
                        int kAt = (b * cap + j) * width + col;
                        double s = 0;
                        for (int d = 0; d < headSize; d++) s += qd[qAt + d] * kd[kAt + d];
                        weights[j] = scale * s;
                        max = Math.max(max, weights[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j <= last; j++) {
                        weights[j] = cache.valid(b, j) ? Math.exp(weights[j] - max) : 0;
                        sum += weights[j];
                    }
                    // with no key to see (a left-padding query) p = 0 and the context is 0
                    for (int j = 0; j <= last; j++) {
                        double p = sum > 0 ? weights[j] / sum : 0;
                        probs[pAt + j] = p;
                        if (p == 0) continue;
                        int vAt = (b * cap + j) * width + col;
                        for (int d = 0; d < headSize; d++) out[qAt + d] += p * vd[vAt + d];
                    }
                }
            }
        }
        write(out, ctx, batch * t * width);
    }

    /**
     * The gradients of the last {@link #forward} over a whole sequence (no past; the cache's
     * capacity is t): with P its probabilities and S = scale·Q·Kᵀ,
     *
     * <pre>
     *   dP = dctx·Vᵀ,  dV = Pᵀ·dctx,  dS = P ⊙ (dP − rowsum(dP ⊙ P)),  dQ = scale·dS·K,  dK = scale·dSᵀ·Q
     * </pre>
     *
     * per sequence and head, over the key columns each query saw. dq, dk, dv [batch·t, n_embd] are
     * overwritten. Summed in double, like the forward pass.
     */
    void backward(
            INDArray dctx,
            INDArray q,
            KvCache cache,
            int layer,
            INDArray dq,
            INDArray dk,
            INDArray dv) {
        int batch = cache.batch(), t = cache.length();
        if (cache.capacity() != t)
            throw new IllegalStateException(
                    "backward needs one whole sequence per row: capacity "
                            + cache.capacity()
                            + ", length "
                            + t);
        int width = heads * headSize, n = batch * t;
        double[] qd = read(q, n * width, 0),
                kd = read(cache.keys(layer), n * width, 1),
                vd = read(cache.values(layer), n * width, 2),
                gd = read(dctx, n * width, 3);
        double[] dqd = zero(n * width, 4), dkd = zero(n * width, 5), dvd = zero(n * width, 6);
        if (weights.length < t) weights = new double[t];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                int col = h * headSize;
                for (int i = 0; i < t; i++) {
                    int pAt = ((b * heads + h) * t + i) * t;
                    int qi = (b * t + i) * width + col;
                    double dot = 0; // rowsum(dP ⊙ P)
                    for (int j = 0; j <= i; j++) {
                        double p = probs[pAt + j];
                        weights[j] = 0;
                        if (p == 0) continue;
                        int kj = (b * t + j) * width + col;
                        double dp = 0;
                        for (int d = 0; d < headSize; d++) {
                            dp += gd[qi + d] * vd[kj + d];
                            dvd[kj + d] += p * gd[qi + d];
                        }
                        weights[j] = dp;
                        dot += p * dp;
                    }
                    for (int j = 0; j <= i; j++) {
                        double p = probs[pAt + j];
                        if (p == 0) continue;
                        double ds = scale * p * (weights[j] - dot);
                        int kj = (b * t + j) * width + col;
                        for (int d = 0; d < headSize; d++) {
                            dqd[qi + d] += ds * kd[kj + d];
                            dkd[kj + d] += ds * qd[qi + d];
                        }
                    }
                }
            }
        }
        write(dqd, dq, n * width);
        write(dkd, dk, n * width);
        write(dvd, dv, n * width);
    }

    /** Reusable double arrays of the backward pass, by slot. */
    private double[][] scratch = new double[7][0];

    private double[] zero(int length, int slot) {
        if (scratch[slot].length < length) scratch[slot] = new double[length];
        Arrays.fill(scratch[slot], 0, length, 0);
        return scratch[slot];
    }

    /**
     * The first {@code length} elements of c-ordered {@code a}, as doubles in slot {@code slot}.
     */
    private double[] read(INDArray a, int length, int slot) {
        if (scratch[slot].length < length) scratch[slot] = new double[length];
        double[] out = scratch[slot];
        DataBuffer d = a.data();
        for (int i = 0; i < length; i++) out[i] = d.getDouble(i);
        return out;
    }

    private static void write(double[] from, INDArray to, int length) {
        DataBuffer d = to.data();
        for (int i = 0; i < length; i++) d.put(i, from[i]);
    }
}
