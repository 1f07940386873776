package org.adamix.model.decoder;

import java.util.Arrays;
import org.adamix.model.ops.Buffer;
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

    /** Kept for a backward pass: the probabilities [batch, heads, t, capacity]. */
    private final Buffer probs;

    /** One query's scores, then exp(score - max), per key column; its context, summed in double. */
    private double[] weights = new double[0];

    private final double[] acc;

    CausalSelfAttention(Gpt2Config config, Buffers buffers) {
        heads = config.numHeads();
        headSize = config.headSize();
        scale = 1.0 / Math.sqrt(headSize);
        probs = buffers.next();
        acc = new double[headSize];
    }

    /** q, ctx [batch·t, n_embd]; this call's keys and values already in {@code cache}. */
    void forward(INDArray q, KvCache cache, int layer, int t, INDArray ctx) {
        int batch = cache.batch(), cap = cache.capacity(), past = cache.length();
        if (weights.length < cap) weights = new double[cap];
        Rows qs = new Rows(q, t), cs = new Rows(ctx, t);
        Rows ks = new Rows(cache.keys(layer), cap), vs = new Rows(cache.values(layer), cap);
        Rows ps = new Rows(probs.get(batch, heads, t, cap), heads * t);
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                int col = h * headSize;
                for (int i = 0; i < t; i++) {
                    Query query = new Query(cache, b, past + i, col);
                    attend(query, qs.at(b, i, col), qs, ks, vs, ps.at(b, h * t + i, 0), ps);
                    long out = cs.at(b, i, col);
                    for (int d = 0; d < headSize; d++) cs.data.put(out + d, acc[d]);
                }
            }
        }
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
        Rows ps = new Rows(probs.get(batch, heads, t, t), heads * t);
        if (weights.length < t) weights = new double[t];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                int col = h * headSize;
                for (int i = 0; i < t; i++) {
                    long pAt = ps.at(b, h * t + i, 0);
                    int qi = (b * t + i) * width + col;
                    double dot = 0; // rowsum(dP ⊙ P)
                    for (int j = 0; j <= i; j++) {
                        double p = ps.data.getDouble(pAt + j);
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
                        double p = ps.data.getDouble(pAt + j);
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

    /** One query: sequence b, seeing key columns 0..last, its head in columns col..col + d. */
    private record Query(KvCache cache, int b, int last, int col) {}

    /**
     * acc = Σ p_j·V_j over the key columns j that the query sees and that are tokens, p = softmax_j
     * of scale·q·K_j; p_j goes to probs at pAt + j. With no key to see (a left-padding query) p = 0
     * and acc = 0.
     */
    private void attend(Query query, long qAt, Rows q, Rows k, Rows v, long pAt, Rows probs) {
        KvCache cache = query.cache();
        int b = query.b(), col = query.col();
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j <= query.last(); j++) {
            if (!cache.valid(b, j)) continue;
            long kAt = k.at(b, j, col);
            double s = 0;
            for (int d = 0; d < headSize; d++)
                s += q.data.getDouble(qAt + d) * k.data.getDouble(kAt + d);
            weights[j] = scale * s;
            max = Math.max(max, weights[j]);
        }
        double sum = 0;
        for (int j = 0; j <= query.last(); j++) {
            weights[j] = cache.valid(b, j) ? Math.exp(weights[j] - max) : 0;
            sum += weights[j];
        }
        Arrays.fill(acc, 0);
        for (int j = 0; j <= query.last(); j++) {
            double p = sum > 0 ? weights[j] / sum : 0;
            probs.data.put(pAt + j, p);
            if (p == 0) continue;
            long vAt = v.at(b, j, col);
            for (int d = 0; d < headSize; d++) acc[d] += p * v.data.getDouble(vAt + d);
        }
    }

    /**
     * A c-ordered array as rows grouped by sequence: element (b, r, c) at (b·rows + r)·width + c (a
     * view's data() starts at its first element), width its last dimension. Read and written
     * through its DataBuffer: no copy.
     */
    private record Rows(DataBuffer data, int rows, long width) {
        Rows(INDArray a, int rows) {
            this(a.data(), rows, a.size(a.rank() - 1));
        }

        long at(int b, int r, int c) {
            return ((long) b * rows + r) * width + c;
        }
    }
}
