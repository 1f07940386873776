package org.adamix.model.decoder;

import static org.adamix.model.names.Gpt2TensorNames.ATTN_C_PROJ;
import static org.adamix.model.names.Gpt2TensorNames.C_ATTN;
import static org.adamix.model.names.Gpt2TensorNames.LN_1;
import static org.adamix.model.names.Gpt2TensorNames.LN_2;
import static org.adamix.model.names.Gpt2TensorNames.MLP_C_FC;
import static org.adamix.model.names.Gpt2TensorNames.MLP_C_PROJ;
import static org.adamix.model.names.Gpt2TensorNames.block;

import java.util.function.Function;
import org.adamix.model.Gelu;
import org.adamix.model.ops.Buffer;
import org.adamix.model.ops.Buffers;
import org.adamix.model.ops.LayerNormOp;
import org.adamix.model.ops.Ops;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * One GPT-2 block, pre-LayerNorm:
 *
 * <pre>
 *   a   = x + attn.c_proj(causal_attention(c_attn(ln_1(x))))
 *   out = a + mlp.c_proj(gelu_new(mlp.c_fc(ln_2(a))))
 * </pre>
 *
 * c_attn's weight [3·n_embd, n_embd] is used as its three row blocks Q, K, V (views, no copies),
 * each one Linear into its own [n, n_embd] buffer, as {@code layers/Attention} computes BERT's
 * query, key and value: so a LoRA mixture on c_attn's query and value (the AdaMix paper's GPT-2
 * setting) adds onto {@link #q} and {@link #v} exactly as {@code LoraMixture.forward(h1, q, ...)}
 * does in the encoder, and merging folds its ΔW into rows [0, n_embd) and [2·n_embd, 3·n_embd) of
 * c_attn's weight.
 *
 * <p>Every value of the forward pass is a {@link Buffer} field, as in the encoder's sublayers: what
 * a backward pass will need (ln_1's and ln_2's x̂, h1, q, k, v, the probabilities, ctx, a, h2, the
 * MLP's pre-activation and GELU's kept factor) stays valid until the next forward pass.
 */
final class Gpt2Block {
    private final int layer;
    private final Gelu gelu;
    private final LayerNormOp ln1, ln2;
    private final CausalSelfAttention attention;
    private final INDArray ln1Gamma, ln1Beta, ln2Gamma, ln2Beta;

    /** c_attn as its Q, K, V row blocks; attn.c_proj; the MLP's c_fc and c_proj. */
    private final INDArray wq, bq, wk, bk, wv, bv;

    private final INDArray wo, bo, wFc, bFc, wProj, bProj;

    /**
     * Forward values, kept: ln_1(x), Q, K, V, the attention context, a, ln_2(a), c_fc's output,
     * GELU's factor.
     */
    private final Buffer h1, q, k, v, ctx, a, h2, fc, keep;

    /** Outputs: GELU's and the block's. */
    private final Buffer act, out;

    /**
     * {@code weight} gives a backbone tensor by name in the decoder's data type, Linear weights
     * [out, in].
     */
    Gpt2Block(int layer, Gpt2Config config, Function<String, INDArray> weight, Buffers buffers) {
        this.layer = layer;
        gelu = config.gelu();
        long h = config.hiddenSize();
        ln1 = new LayerNormOp(config.layerNormEps(), buffers);
        ln2 = new LayerNormOp(config.layerNormEps(), buffers);
        attention = new CausalSelfAttention(config, buffers);
        ln1Gamma = weight.apply(block(layer, LN_1) + ".weight");
        ln1Beta = weight.apply(block(layer, LN_1) + ".bias");
        INDArray wAttn = weight.apply(block(layer, C_ATTN) + ".weight");
        INDArray bAttn = weight.apply(block(layer, C_ATTN) + ".bias");
        wq = Ops.rows(wAttn, 0, h);
        wk = Ops.rows(wAttn, h, 2 * h);
        wv = Ops.rows(wAttn, 2 * h, 3 * h);
        bq = bAttn.get(NDArrayIndex.interval(0, h));
        bk = bAttn.get(NDArrayIndex.interval(h, 2 * h));
        bv = bAttn.get(NDArrayIndex.interval(2 * h, 3 * h));
        wo = weight.apply(block(layer, ATTN_C_PROJ) + ".weight");
        bo = weight.apply(block(layer, ATTN_C_PROJ) + ".bias");
        ln2Gamma = weight.apply(block(layer, LN_2) + ".weight");
        ln2Beta = weight.apply(block(layer, LN_2) + ".bias");
        wFc = weight.apply(block(layer, MLP_C_FC) + ".weight");
        bFc = weight.apply(block(layer, MLP_C_FC) + ".bias");
        wProj = weight.apply(block(layer, MLP_C_PROJ) + ".weight");
        bProj = weight.apply(block(layer, MLP_C_PROJ) + ".bias");
        h1 = buffers.next();
        q = buffers.next();
        k = buffers.next();
        v = buffers.next();
        ctx = buffers.next();
        a = buffers.next();
        h2 = buffers.next();
        fc = buffers.next();
        keep = buffers.next();
        act = buffers.next();
        out = buffers.next();
    }

    /**
     * The block on t new columns per sequence, x [batch·t, n_embd]; their keys and values go into
     * {@code cache} (which the caller advances after the last block). Returns a buffer [batch·t,
     * n_embd].
     */
    INDArray forward(INDArray x, KvCache cache, int t) {
        long n = x.size(0), hidden = x.size(1), inner = wFc.size(0);
        INDArray h1 = this.h1.get(n, hidden),
                q = this.q.get(n, hidden),
                k = this.k.get(n, hidden),
                v = this.v.get(n, hidden);
        ln1.forward(x, ln1Gamma, ln1Beta, h1);
        Ops.linear(h1, wq, bq, q);
        Ops.linear(h1, wk, bk, k);
        Ops.linear(h1, wv, bv, v);
        // LoRA on query and value attaches here: loraQ.forward(h1, q, …), loraV.forward(h1, v, …)
        cache.write(layer, k, v, t);
        INDArray ctx = this.ctx.get(n, hidden);
        attention.forward(q, cache, layer, t, ctx);
        INDArray a = this.a.get(n, hidden);
        Ops.linearPlusResidual(ctx, wo, bo, x, a);

        INDArray h2 = this.h2.get(n, hidden),
                fc = this.fc.get(n, inner),
                act = this.act.get(n, inner);
        ln2.forward(a, ln2Gamma, ln2Beta, h2);
        Ops.gemm(h2, wFc, fc, false, true, 1.0, 0.0);
        // c_fc's bias is added inside GELU's pass
        gelu.forward(fc, bFc, act, keep.get(n, inner), true);
        INDArray out = this.out.get(n, hidden);
        Ops.linearPlusResidual(act, wProj, bProj, a, out);
        return out;
    }
}
