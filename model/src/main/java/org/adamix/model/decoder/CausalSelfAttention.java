package org.adamix.model.decoder;

import java.util.Arrays;
import org.adamix.model.ops.Buffer;
import org.adamix.model.ops.Buffers;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * ctx = softmax(Q·Kᵀ/√d + mask)·V per head, for t new query columns against every cached key: query column
 * i (absolute column past + i) sees the keys of columns 0..past + i that are tokens, never a later column
 * (causal) and never padding. The same code serves a whole sequence (past = 0) and one decoding step
 * (t = 1), so the KV cache cannot drift from full recomputation.
 *
 * <p>Padding: any mix of left and right padding works, as the mask is per key column. A padding query
 * column sees only the real tokens before it (right padding) or none at all (left padding); with none its
 * context is zero. Either way its output is meaningless and nothing real attends to it.
 *
 * <p>Scores, softmax and the weighted sum run in double for float32 and float64 alike, over keys in column
 * order: every output depends only on its own row's inputs, in a fixed order, so a later token cannot move an
 * earlier position's output by a single bit. This is the readable path; the fused float32 kernel of
 * {@code ops/VectorAttention} can take its place once it learns a causal mask, and tests will hold them equal.
 */
final class CausalSelfAttention {
    private final int heads, headSize;
    private final double scale;
    /** Kept for a backward pass: the probabilities [batch, heads, t, capacity]; query i's in columns 0..past + i. */
    private final Buffer probs;
    private double[] scores = new double[0];
    private final double[] acc;

    CausalSelfAttention(Gpt2Config config, Buffers buffers) {
        heads = config.numHeads();
        headSize = config.headSize();
        scale = 1.0 / Math.sqrt(headSize);
        probs = buffers.next();
        acc = new double[headSize];
    }

    /** q, ctx [batch·t, n_embd]; keys and values of this call already written to {@code cache} (not yet advanced). */
    void forward(INDArray q, KvCache cache, int layer, int t, INDArray ctx) {
        int batch = cache.batch(), cap = cache.capacity(), past = cache.length(), hidden = heads * headSize;
        if (scores.length < past + t) scores = new double[cap];
        INDArray k = cache.keys(layer), v = cache.values(layer), p = probs.get(batch, heads, t, cap);
        DataBuffer qd = q.data(), kd = k.data(), vd = v.data(), cd = ctx.data(), pd = p.data();
        long qo = q.offset(), ko = k.offset(), vo = v.offset(), co = ctx.offset(), po = p.offset();
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                int col = h * headSize;
                for (int i = 0; i < t; i++) {
                    long qRow = qo + ((long) b * t + i) * hidden + col;
                    long pRow = po + (((long) b * heads + h) * t + i) * cap;
                    int last = past + i;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= last; j++) {
                        if (!cache.valid(b, j)) continue;
                        long kRow = ko + ((long) b * cap + j) * hidden + col;
                        double s = 0;
                        for (int d = 0; d < headSize; d++) s += qd.getDouble(qRow + d) * kd.getDouble(kRow + d);
                        scores[j] = s * scale;
                        max = Math.max(max, scores[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j <= last; j++) {
                        scores[j] = cache.valid(b, j) ? Math.exp(scores[j] - max) : 0;
                        sum += scores[j];
                    }
                    Arrays.fill(acc, 0);
                    for (int j = 0; j <= last; j++) {
                        double pj = sum > 0 ? scores[j] / sum : 0; // sum 0: no key to see (a left-padding query)
                        pd.put(pRow + j, pj);
                        if (pj == 0) continue;
                        long vRow = vo + ((long) b * cap + j) * hidden + col;
                        for (int d = 0; d < headSize; d++) acc[d] += pj * vd.getDouble(vRow + d);
                    }
                    long cRow = co + ((long) b * t + i) * hidden + col;
                    for (int d = 0; d < headSize; d++) cd.put(cRow + d, acc[d]);
                }
            }
        }
    }
}
