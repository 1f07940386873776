package org.adamix.model.decoder;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Beam search's next-token logits through the KV cache: the prompts run once as a left-padded
 * batch, then each step reorders the cache rows to the surviving beams ({@link KvCache#reorder})
 * and runs one batched {@link Gpt2Decoder#step} over every live beam of every prompt.
 */
final class CachedLogits implements BeamSearch.NextLogits {
    private final Gpt2Decoder decoder;
    private final KvCache cache;

    /** The rows handed out, reused every step (beam search reads them before the next step). */
    private double[][] out = new double[0][];

    CachedLogits(Gpt2Decoder decoder) {
        this.decoder = decoder;
        cache = decoder.newCache();
    }

    @Override
    public double[][] start(int[][] prompts, int maxNewTokens) {
        int batch = prompts.length, longest = 0;
        for (int[] p : prompts) longest = Math.max(longest, p.length);
        int maxPositions = decoder.config().maxPositions();
        // the last new token is never fed back: it needs no column and no position
        if (longest + maxNewTokens - 1 > maxPositions)
            throw new IllegalArgumentException(
                    String.format(
                            "prompt of %d tokens + %d new ones exceed n_positions %d",
                            longest, maxNewTokens, maxPositions));
        int[] ids = new int[batch * longest], mask = new int[batch * longest];
        for (int b = 0; b < batch; b++) {
            int pad = longest - prompts[b].length;
            System.arraycopy(prompts[b], 0, ids, b * longest + pad, prompts[b].length);
            Arrays.fill(mask, b * longest + pad, (b + 1) * longest, 1);
        }
        cache.reset(batch, longest + maxNewTokens - 1);
        INDArray logits = decoder.append(cache, ids, mask, longest);
        return reusedRows(logits, batch, longest, longest - 1);
    }

    @Override
    public double[][] advance(int[] from, int[] tokens) {
        cache.reorder(from);
        return reusedRows(decoder.step(cache, tokens), from.length, 1, 0);
    }

    /** Column {@code column} of logits [batch, t, vocab] (c-ordered), copied as double rows. */
    static double[][] rows(INDArray logits, int batch, int t, int column) {
        return copyRows(logits, t, column, new double[batch][(int) logits.size(logits.rank() - 1)]);
    }

    /** The same into this object's reused rows. */
    private double[][] reusedRows(INDArray logits, int batch, int t, int column) {
        int vocab = (int) logits.size(logits.rank() - 1);
        if (out.length != batch || (batch > 0 && out[0].length != vocab))
            out = new double[batch][vocab];
        return copyRows(logits, t, column, out);
    }

    private static double[][] copyRows(INDArray logits, int t, int column, double[][] out) {
        DataBuffer d = logits.data();
        for (int b = 0; b < out.length; b++) {
            int vocab = out[b].length;
            long o = ((long) b * t + column) * vocab;
            for (int v = 0; v < vocab; v++) out[b][v] = d.getDouble(o + v);
        }
        return out;
    }
}
