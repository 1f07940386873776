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
     * A c-ordered array as rows grouped by sequence: element (b, r, c) at offset + (b·rows +
     * r)·width + c, width its last dimension. Read and written through its DataBuffer: no copy.
     */
    private record Rows(DataBuffer data, long offset, int rows, long width) {
        Rows(INDArray a, int rows) {
            this(a.data(), a.offset(), rows, a.size(a.rank() - 1));
        }

        long at(int b, int r, int c) {
            return offset + ((long) b * rows + r) * width + c;
        }
    }
}
