package org.adamix.model.decoder;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.adamix.model.AdaptationConfig;
import org.adamix.model.Method;
import org.adamix.model.adamix.Router;
import org.adamix.model.checkpoint.Gpt2Backbone;
import org.adamix.model.names.Gpt2TensorNames;
import org.adamix.model.ops.Buffer;
import org.adamix.model.ops.Buffers;
import org.adamix.model.ops.LayerNormOp;
import org.adamix.model.ops.Ops;
import org.adamix.model.ops.ScratchPool;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

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
    private final Gpt2Tensors tensors;
    private final DataType dataType;
    private final Buffers buffers;

    /** The blocks' temporaries, one array per role for all blocks. */
    private final ScratchPool scratch = new ScratchPool();

    private final INDArray wte, wpe, lnFGamma, lnFBeta;
    private final Gpt2Block[] blocks;
    private final LayerNormOp lnF;

    /** Kept: the embeddings' sum; ln_f's output. Output: the logits. Backward: d(ln_f), d(x). */
    private final Buffer embedded, normed, logits, dNormed, dHidden;

    /** Per block: whether anything below it is trained, so that it must pass a gradient down. */
    private final boolean[] needsInputGradient;

    /** The ids of the last training forward pass (the embeddings' backward needs them). */
    private int[] lastIds;

    /** The cache {@link #forward} uses. */
    private final KvCache ownCache;

    private int[] positions = new int[0];

    /** The backbone alone, every tensor frozen: inference and generation. */
    public Gpt2Decoder(Gpt2Backbone backbone, DataType dataType) {
        this(
                Gpt2Tensors.of(backbone, AdaptationConfig.of(Method.NONE, 0), 0, checked(dataType)),
                backbone.config(),
                AdaptationConfig.of(Method.NONE, 0),
                new Router(0));
    }

    /**
     * A decoder over {@code tensors} (trained or frozen) with {@code adaptation}'s modules, routed
     * by {@code router}.
     */
    public Gpt2Decoder(
            Gpt2Tensors tensors, Gpt2Config config, AdaptationConfig adaptation, Router router) {
        this.config = config;
        this.tensors = tensors;
        this.dataType = checked(tensors.params().dataType());
        buffers = new Buffers(dataType);
        wte = tensors.value(Gpt2TensorNames.WTE);
        wpe = tensors.value(Gpt2TensorNames.WPE);
        lnFGamma = tensors.value(Gpt2TensorNames.LN_F + ".weight");
        lnFBeta = tensors.value(Gpt2TensorNames.LN_F + ".bias");
        blocks = new Gpt2Block[config.numLayers()];
        for (int l = 0; l < blocks.length; l++) {
            blocks[l] = new Gpt2Block(l, config, tensors, adaptation, router, dataType);
            blocks[l].shareScratch(scratch);
        }
        needsInputGradient = new boolean[blocks.length];
        boolean below =
                tensors.trainable(Gpt2TensorNames.WTE) || tensors.trainable(Gpt2TensorNames.WPE);
        for (int l = 0; l < blocks.length; l++) {
            needsInputGradient[l] = below;
            below |= blocks[l].trains();
        }
        lnF = new LayerNormOp(config.layerNormEps(), buffers);
        embedded = buffers.next();
        normed = buffers.next();
        logits = buffers.next();
        dNormed = buffers.next();
        dHidden = buffers.next();
        ownCache = newCache();
    }

    private static DataType checked(DataType dataType) {
        if (dataType != DataType.FLOAT && dataType != DataType.DOUBLE)
            throw new IllegalArgumentException("GPT-2 runs in FLOAT or DOUBLE, not " + dataType);
        return dataType;
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

    /** The blocks' adaptation modules, bottom to top. */
    public List<org.adamix.model.adamix.AdaptationModule> adaptations() {
        List<org.adamix.model.adamix.AdaptationModule> out = new ArrayList<>();
        for (Gpt2Block b : blocks) out.addAll(b.adaptations());
        return out;
    }

    /** Block {@code layer}'s LoRA mixtures on query and value (null without LoRA). */
    public org.adamix.model.adamix.LoraMixture[] lora(int layer) {
        return blocks[layer].loraQuery() == null
                ? null
                : new org.adamix.model.adamix.LoraMixture[] {
                    blocks[layer].loraQuery(), blocks[layer].loraValue()
                };
    }

    public Gpt2Tensors tensors() {
        return tensors;
    }

    /** Bytes held by this decoder's buffers (its blocks' and their shared scratch included). */
    public long bufferBytes() {
        long sum = buffers.bytes() + scratch.bytes();
        for (Gpt2Block b : blocks) sum += b.bufferBytes();
        return sum;
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
        return run(cache, ids, mask, t, false, 1);
    }

    /**
     * The training forward pass over whole sequences, {@code ids} and {@code mask} [batch·t]
     * row-major, right-padded; with {@code views} &gt; 1 the rows are that many copies of one
     * batch, each routed on its own (the consistency loss). Returns the logits [batch, t, vocab];
     * {@link #backward} follows.
     */
    public INDArray forwardTraining(int[] ids, int[] mask, int batch, int t, int views) {
        ownCache.reset(batch, t);
        lastIds = ids;
        return run(ownCache, ids, mask, t, true, views);
    }

    /**
     * Gradients of the last {@link #forwardTraining} given dLoss/dlogits [batch·t, vocab]: every
     * trained tensor's gradient view is overwritten.
     */
    public void backward(INDArray dLogits) {
        int n = (int) dLogits.size(0), h = config.hiddenSize();
        INDArray normed = this.normed.get(n, h), dNormed = this.dNormed.get(n, h);
        INDArray dWte = tensors.gradient(Gpt2TensorNames.WTE);
        // the LM head is tied: its gradient and the embedding's add up in wte's
        if (dWte != null) Ops.gemm(dLogits, normed, dWte, true, false, 1.0, 0.0);
        Ops.gemm(dLogits, wte, dNormed, false, false, 1.0, 0.0);
        INDArray dx = dHidden.get(n, h);
        lnF.backward(
                dNormed,
                lnFGamma,
                dx,
                tensors.gradient(Gpt2TensorNames.LN_F + ".weight"),
                tensors.gradient(Gpt2TensorNames.LN_F + ".bias"));
        for (int l = blocks.length - 1; l >= 0 && dx != null; l--)
            dx = blocks[l].backward(dx, ownCache, needsInputGradient[l]);
        if (dx != null) embedBackward(dx, n);
    }

    /** dwte[ids[r]] += dx[r] and dwpe[positions[r]] += dx[r], for the trained ones. */
    private void embedBackward(INDArray dx, int n) {
        INDArray dWte = tensors.gradient(Gpt2TensorNames.WTE),
                dWpe = tensors.gradient(Gpt2TensorNames.WPE);
        if (dWte != null) scatterAdd(dx, lastIds, n, dWte);
        if (dWpe != null) {
            dWpe.assign(0);
            scatterAdd(dx, positions, n, dWpe);
        }
    }

    /** g[rows[r]] += dx[r] for r &lt; n (rows of n_embd). */
    private void scatterAdd(INDArray dx, int[] rows, int n, INDArray g) {
        int h = config.hiddenSize();
        DataBuffer d = dx.data(), gd = g.data();
        for (int r = 0; r < n; r++) {
            long from = (long) r * h, to = (long) rows[r] * h;
            for (int j = 0; j < h; j++)
                gd.put(to + j, gd.getDouble(to + j) + d.getDouble(from + j));
        }
    }

    private INDArray run(KvCache cache, int[] ids, int[] mask, int t, boolean training, int views) {
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
        for (Gpt2Block block : blocks) x = block.forward(x, cache, t, training, views);
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
     * The final hidden state (ln_f's output) at the last token of each sequence, [batch, n_embd] (a
     * copy): what {@code encode} writes as {@code last_token}. Sequences run as one left-padded
     * batch, so every last token sits in the last column.
     */
    public INDArray lastTokenStates(int[][] sequences) {
        int batch = sequences.length, longest = 0;
        for (int[] p : sequences) {
            if (p.length == 0) throw new IllegalArgumentException("empty sequence");
            longest = Math.max(longest, p.length);
        }
        int[] ids = new int[batch * longest], mask = new int[batch * longest];
        for (int b = 0; b < batch; b++) {
            int pad = longest - sequences[b].length;
            System.arraycopy(sequences[b], 0, ids, b * longest + pad, sequences[b].length);
            Arrays.fill(mask, b * longest + pad, (b + 1) * longest, 1);
        }
        ownCache.reset(batch, longest);
        append(ownCache, ids, mask, longest);
        INDArray normed = this.normed.get((long) batch * longest, config.hiddenSize());
        INDArray out = Nd4j.create(dataType, batch, config.hiddenSize());
        for (int b = 0; b < batch; b++)
            out.getRow(b).assign(normed.getRow((long) (b + 1) * longest - 1));
        return out;
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
        // a view's data() starts at its first element (wte and wpe are views when trained)
        DataBuffer xd = x.data(), td = wte.data(), pd = wpe.data();
        for (int r = 0; r < n; r++) {
            long tr = (long) ids[r] * h, pr = (long) positions[r] * h, xr = (long) r * h;
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
        long o = from;
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
