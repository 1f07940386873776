package org.adamix.model.decoder;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.adamix.model.checkpoint.Gpt2Backbone;
import org.adamix.model.names.Gpt2TensorNames;
import org.adamix.model.ops.Buffer;
import org.adamix.model.ops.Buffers;
import org.adamix.model.ops.LayerNormOp;
import org.adamix.model.ops.Ops;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * GPT-2's forward pass on an imported backbone, in float32 or float64:
 *
 * <pre>
 *   x = wte[ids] + wpe[positions];  x = block_L(…block_1(x));  logits = ln_f(x)·wteᵀ   (tied LM head)
 * </pre>
 *
 * with {@link Gpt2Block} as the block and every key and value kept in a {@link KvCache}, so that
 * {@link #step} runs the network on the new token only. {@link #generate} decodes greedily.
 *
 * <pre>{@code
 * Gpt2Decoder gpt2 = new Gpt2Decoder(Gpt2FolderReader.read(dir), DataType.FLOAT);
 * INDArray logits = gpt2.forward(ids, mask);             // [batch, t, vocab]
 * int[][] continuations = gpt2.generate(prompts, 40, eos);
 * }</pre>
 *
 * <p>Batches may be padded on the left, on the right or both: {@code mask} (HF's attention_mask, 1
 * = token, 0 = padding) keeps padding out of attention, and positions count real tokens only, so a
 * padded sequence's logits are those of the sequence alone; the logits at padding columns are
 * meaningless. {@link #generate} pads on the left, so every sequence's next token sits in the same
 * column.
 *
 * <p>Weights are read-only references to the backbone (cast once for float64). Arrays returned are
 * views of the decoder's {@link Buffer}s, valid until its next call. Not thread-safe: one decoder
 * per thread.
 */
public final class Gpt2Decoder {
    private final Gpt2Config config;
    private final DataType dataType;
    private final Buffers buffers;
    private final INDArray wte, wpe, lnFGamma, lnFBeta;
    private final Gpt2Block[] blocks;
    private final LayerNormOp lnF;

    /** Kept: the embeddings' sum; ln_f's output. Output: the logits. */
    private final Buffer embedded, normed, logits;

    /** The cache {@link #forward} uses. */
    private final KvCache ownCache;

    private int[] positions = new int[0];

    public Gpt2Decoder(Gpt2Backbone backbone, DataType dataType) {
        if (dataType != DataType.FLOAT && dataType != DataType.DOUBLE)
            throw new IllegalArgumentException("GPT-2 runs in FLOAT or DOUBLE, not " + dataType);
        this.config = backbone.config();
        this.dataType = dataType;
        buffers = new Buffers(dataType);
        Function<String, INDArray> weight =
                name -> {
                    INDArray t = backbone.tensor(name);
                    return t.dataType() == dataType ? t : t.castTo(dataType);
                };
        wte = weight.apply(Gpt2TensorNames.WTE);
        wpe = weight.apply(Gpt2TensorNames.WPE);
        lnFGamma = weight.apply(Gpt2TensorNames.LN_F + ".weight");
        lnFBeta = weight.apply(Gpt2TensorNames.LN_F + ".bias");
        blocks = new Gpt2Block[config.numLayers()];
        for (int l = 0; l < blocks.length; l++)
            blocks[l] = new Gpt2Block(l, config, weight, buffers);
        lnF = new LayerNormOp(config.layerNormEps(), buffers);
        embedded = buffers.next();
        normed = buffers.next();
        logits = buffers.next();
        ownCache = newCache();
    }

    public Gpt2Config config() {
        return config;
    }

    public DataType dataType() {
        return dataType;
    }

    /**
     * An empty cache for this model; size it with {@link KvCache#reset} before the first {@link
     * #append}.
     */
    public KvCache newCache() {
        return new KvCache(config, buffers);
    }

    /** Bytes held by this decoder's buffers and its caches. */
    public long bufferBytes() {
        return buffers.bytes();
    }

    /**
     * Logits [batch, t, vocab] of rectangular {@code ids} [batch][t], recomputed from scratch;
     * {@code mask} [batch][t] (1 token, 0 padding) or null (no padding).
     */
    public INDArray forward(int[][] ids, int[][] mask) {
        int batch = ids.length, t = ids[0].length;
        ownCache.reset(batch, t);
        return append(
                ownCache,
                flatten(ids, t, "ids"),
                mask == null ? null : flatten(mask, t, "mask"),
                t);
    }

    /**
     * Runs t more columns per sequence through the model, attending to everything in {@code cache},
     * and stores their keys and values there. {@code ids} and {@code mask} are [batch·t] row-major
     * (mask null: no padding). Returns their logits [batch, t, vocab].
     */
    public INDArray append(KvCache cache, int[] ids, int[] mask, int t) {
        int batch = cache.batch(), h = config.hiddenSize(), n = batch * t;
        if (ids.length != n)
            throw new IllegalArgumentException(ids.length + " ids for " + batch + " × " + t);
        if (mask != null && mask.length != n)
            throw new IllegalArgumentException(mask.length + " mask values for " + n);
        for (int id : ids) // before the cache changes: a failed call leaves it as it was
        if (id < 0 || id >= config.vocabSize())
                throw new IllegalArgumentException(
                        "token id "
                                + id
                                + " outside the vocabulary [0, "
                                + config.vocabSize()
                                + ")");
        if (positions.length < n) positions = new int[n];
        cache.admit(mask, t, positions, config.maxPositions());
        INDArray x = embedded.get(n, h);
        embed(ids, positions, n, x);
        for (Gpt2Block block : blocks) x = block.forward(x, cache, t);
        cache.advance(t);
        INDArray normed = this.normed.get(n, h);
        lnF.forward(x, lnFGamma, lnFBeta, normed);
        INDArray logits = this.logits.get(batch, t, config.vocabSize());
        Ops.gemm(normed, wte, logits.reshape(n, config.vocabSize()), false, true, 1.0, 0.0);
        return logits;
    }

    /** One new token per sequence (none padding): logits [batch, vocab] of the next position. */
    public INDArray step(KvCache cache, int[] ids) {
        append(cache, ids, null, 1);
        return logits.get(cache.batch(), config.vocabSize());
    }

    /**
     * Greedy decoding: each prompt (at least one token, lengths may differ) continued by the most
     * likely token (the first of equals) until {@code eos} (included in the output; a negative eos:
     * none) or {@code maxNewTokens}. Prompts run as one left-padded batch through the KV cache.
     */
    public int[][] generate(int[][] prompts, int maxNewTokens, int eos) {
        int batch = prompts.length, longest = 0;
        for (int[] p : prompts) {
            if (p.length == 0) throw new IllegalArgumentException("empty prompt");
            longest = Math.max(longest, p.length);
        }
        if (maxNewTokens <= 0) return new int[batch][0];
        // the last new token is returned, never fed back: it needs no column and no position
        if (longest + maxNewTokens - 1 > config.maxPositions())
            throw new IllegalArgumentException(
                    String.format(
                            "prompt of %d tokens + %d new ones exceed n_positions %d",
                            longest, maxNewTokens, config.maxPositions()));
        int[] ids = new int[batch * longest], mask = new int[batch * longest];
        for (int b = 0; b < batch; b++) {
            int pad = longest - prompts[b].length;
            System.arraycopy(prompts[b], 0, ids, b * longest + pad, prompts[b].length);
            Arrays.fill(mask, b * longest + pad, (b + 1) * longest, 1);
        }
        KvCache cache = ownCache;
        cache.reset(batch, longest + maxNewTokens - 1);
        INDArray out = append(cache, ids, mask, longest);
        int[] next = new int[batch];
        for (int b = 0; b < batch; b++)
            next[b] = argmax(out, (long) (b * longest + longest - 1) * config.vocabSize());

        List<List<Integer>> generated = new ArrayList<>();
        for (int b = 0; b < batch; b++) generated.add(new ArrayList<>());
        boolean[] done = new boolean[batch];
        for (int s = 0; ; s++) {
            boolean all = true;
            for (int b = 0; b < batch; b++) {
                if (done[b]) continue;
                generated.get(b).add(next[b]);
                done[b] = next[b] == eos;
                all &= done[b];
            }
            if (all || s == maxNewTokens - 1) break;
            // finished sequences keep feeding their last token (ignored): no ragged batch
            INDArray stepLogits = step(cache, next);
            for (int b = 0; b < batch; b++)
                if (!done[b]) next[b] = argmax(stepLogits, (long) b * config.vocabSize());
        }
        int[][] result = new int[batch][];
        for (int b = 0; b < batch; b++)
            result[b] = generated.get(b).stream().mapToInt(Integer::intValue).toArray();
        return result;
    }

    /** x[r] = wte[ids[r]] + wpe[positions[r]], rows of n_embd. */
    private void embed(int[] ids, int[] positions, int n, INDArray x) {
        int h = config.hiddenSize();
        DataBuffer xd = x.data(), td = wte.data(), pd = wpe.data();
        long xo = x.offset(), to = wte.offset(), po = wpe.offset();
        for (int r = 0; r < n; r++) {
            long tr = to + (long) ids[r] * h,
                    pr = po + (long) positions[r] * h,
                    xr = xo + (long) r * h;
            // a sum of two floats rounded once: the same as float32 addition
            for (int j = 0; j < h; j++) xd.put(xr + j, td.getDouble(tr + j) + pd.getDouble(pr + j));
        }
    }

    /**
     * Index of the largest of the vocabulary's logits starting at element {@code from} (the first
     * of equals).
     */
    private int argmax(INDArray logits, long from) {
        DataBuffer d = logits.data();
        long o = logits.offset() + from;
        int best = 0;
        double max = d.getDouble(o);
        for (int i = 1; i < config.vocabSize(); i++) {
            double v = d.getDouble(o + i);
            if (v > max) {
                max = v;
                best = i;
            }
        }
        return best;
    }

    private static int[] flatten(int[][] rows, int t, String what) {
        int[] flat = new int[rows.length * t];
        for (int b = 0; b < rows.length; b++) {
            if (rows[b].length != t)
                throw new IllegalArgumentException(
                        what + " row " + b + " has " + rows[b].length + " columns, not " + t);
            System.arraycopy(rows[b], 0, flat, b * t, t);
        }
        return flat;
    }
}
