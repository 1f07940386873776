package org.adamix.model.decoder;

import static org.adamix.model.names.Gpt2TensorNames.ATTN_C_PROJ;
import static org.adamix.model.names.Gpt2TensorNames.C_ATTN;
import static org.adamix.model.names.Gpt2TensorNames.LN_1;
import static org.adamix.model.names.Gpt2TensorNames.LN_2;
import static org.adamix.model.names.Gpt2TensorNames.MLP_C_FC;
import static org.adamix.model.names.Gpt2TensorNames.MLP_C_PROJ;
import static org.adamix.model.names.Gpt2TensorNames.block;

import java.util.ArrayList;
import java.util.List;
import org.adamix.model.AdaptationConfig;
import org.adamix.model.Gelu;
import org.adamix.model.adamix.AdaptationModule;
import org.adamix.model.adamix.AdapterMixture;
import org.adamix.model.adamix.LoraMixture;
import org.adamix.model.adamix.Router;
import org.adamix.model.ops.Buffer;
import org.adamix.model.ops.Buffers;
import org.adamix.model.ops.LayerNormOp;
import org.adamix.model.ops.Ops;
import org.adamix.model.ops.ScratchPool;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * One GPT-2 block, pre-LayerNorm, with its adaptation modules:
 *
 * <pre>
 *   h1  = ln_1(x);  q, k, v = c_attn(h1)  (+ LoRA on q and v)
 *   a   = x + A(attn.c_proj(causal_attention(q, k, v)))          A: Houlsby's adapter, else identity
 *   out = a + M(mlp.c_proj(gelu_new(mlp.c_fc(ln_2(a)))))         M: the (mixture of) adapter(s)
 * </pre>
 *
 * c_attn's weight [3·n_embd, n_embd] is used as its three row blocks Q, K, V (views, no copies),
 * each one Linear, as {@code layers/Attention} computes BERT's query, key and value: so the LoRA
 * mixtures on query and value (the AdaMix paper's GPT-2 setting, the authors' {@code
 * enable_lora=[True, False, True]}) are the encoder's {@link LoraMixture}, and merging folds their
 * ΔW into rows [0, n_embd) and [2·n_embd, 3·n_embd) of c_attn. The adapter mixture sits on the MLP
 * output, where the authors' GPT-2 puts its ExpertSoup.
 *
 * <p>Every value of the forward pass is a {@link Buffer} field. What the backward pass reads (the
 * LayerNorms' x̂ and 1/σ, h1, q, ctx, the projections, h2, c_fc's pre-activation (GELU's derivative
 * is recomputed from it) and GELU's output, the modules' saved arrays; k and v sit in the KV cache)
 * is the block's own and stays valid until its next forward pass; everything else is scratch, one
 * array per role for all the decoder's blocks (they run one at a time), as in the encoder's layers
 * ({@link Buffers}).
 */
final class Gpt2Block {
    private final int layer;
    private final Gelu gelu;
    private final LayerNormOp ln1, ln2;
    private final CausalSelfAttention attention;
    private final Gpt2Tensors tensors;
    private final String ln1Name, attnName, projName, ln2Name, fcName, mlpProjName;

    /** c_attn as its Q, K, V row blocks (and their gradient rows when trained). */
    private final INDArray wq, bq, wk, bk, wv, bv;

    private final INDArray dWq, dBq, dWk, dBk, dWv, dBv;

    /** The modules; null when the method has none here. */
    private final LoraMixture loraQ, loraV;

    private final AdapterMixture attentionAdapter, mlpAdapter;

    /** Whether anything in the attention half (ln_1 to attn.c_proj and its adapter) is trained. */
    private final boolean trainsAttention;

    private final Buffers buffers;

    /** Forward values the backward pass reads: kept. */
    private final Buffer h1, q, ctx, proj, h2, fc, act, mlpOut;

    /**
     * The block's outputs, its own: out (the next block's input) and dx (the block below's
     * gradient; it reads it while writing its own dx, so dx cannot be scratch).
     */
    private final Buffer out, dx;

    /** Forward values only the forward pass reads, and backward temporaries. */
    private final Buffer k,
            v,
            a,
            dm,
            dAct,
            dH2,
            dA,
            dProj,
            dCtx,
            dq,
            dk,
            dv,
            dH1,
            geluTemp,
            geluD,
            geluT,
            ones,
            geluKeep;

    Gpt2Block(
            int layer,
            Gpt2Config config,
            Gpt2Tensors tensors,
            AdaptationConfig adaptation,
            Router router,
            DataType dataType) {
        this.layer = layer;
        Buffers buffers = this.buffers = new Buffers(dataType);
        this.tensors = tensors;
        gelu = config.gelu();
        long h = config.hiddenSize();
        ln1 = new LayerNormOp(config.layerNormEps(), buffers);
        ln2 = new LayerNormOp(config.layerNormEps(), buffers);
        attention = new CausalSelfAttention(config, buffers);
        ln1Name = block(layer, LN_1);
        attnName = block(layer, C_ATTN);
        projName = block(layer, ATTN_C_PROJ);
        ln2Name = block(layer, LN_2);
        fcName = block(layer, MLP_C_FC);
        mlpProjName = block(layer, MLP_C_PROJ);
        INDArray wAttn = tensors.value(attnName + ".weight"),
                bAttn = tensors.value(attnName + ".bias");
        wq = Ops.rows(wAttn, 0, h);
        wk = Ops.rows(wAttn, h, 2 * h);
        wv = Ops.rows(wAttn, 2 * h, 3 * h);
        bq = bAttn.get(NDArrayIndex.interval(0, h));
        bk = bAttn.get(NDArrayIndex.interval(h, 2 * h));
        bv = bAttn.get(NDArrayIndex.interval(2 * h, 3 * h));
        INDArray gW = tensors.gradient(attnName + ".weight"),
                gB = tensors.gradient(attnName + ".bias");
        dWq = gW == null ? null : Ops.rows(gW, 0, h);
        dWk = gW == null ? null : Ops.rows(gW, h, 2 * h);
        dWv = gW == null ? null : Ops.rows(gW, 2 * h, 3 * h);
        dBq = gB == null ? null : gB.get(NDArrayIndex.interval(0, h));
        dBk = gB == null ? null : gB.get(NDArrayIndex.interval(h, 2 * h));
        dBv = gB == null ? null : gB.get(NDArrayIndex.interval(2 * h, 3 * h));
        int site = Router.site(layer);
        boolean lora = adaptation.method().lora();
        // query and value share the site: one route per layer per pass for both (the authors' A)
        loraQ =
                lora
                        ? lora(Gpt2Tensors.loraQuery(layer), site, h, adaptation, router, buffers)
                        : null;
        loraV =
                lora
                        ? lora(Gpt2Tensors.loraValue(layer), site, h, adaptation, router, buffers)
                        : null;
        attentionAdapter =
                adaptation.method().adapterAtAttention()
                        ? new AdapterMixture(
                                Gpt2Tensors.attentionAdapter(layer),
                                Router.attentionAdapterSite(layer),
                                h,
                                adaptation,
                                gelu,
                                router,
                                tensors,
                                buffers)
                        : null;
        mlpAdapter =
                adaptation.method().adapterAtFfn()
                        ? new AdapterMixture(
                                Gpt2Tensors.mlpAdapter(layer),
                                site,
                                h,
                                adaptation,
                                gelu,
                                router,
                                tensors,
                                buffers)
                        : null;
        trainsAttention =
                lora
                        || attentionAdapter != null
                        || tensors.trainable(ln1Name + ".weight")
                        || tensors.trainable(attnName + ".weight")
                        || tensors.trainable(projName + ".weight");
        h1 = buffers.next();
        q = buffers.next();
        ctx = buffers.next();
        proj = buffers.next();
        h2 = buffers.next();
        fc = buffers.next();
        act = buffers.next();
        mlpOut = buffers.next();
        out = buffers.output();
        dx = buffers.output();
        k = buffers.scratch();
        v = buffers.scratch();
        a = buffers.scratch();
        dm = buffers.scratch();
        dAct = buffers.scratch();
        dH2 = buffers.scratch();
        dA = buffers.scratch();
        dProj = buffers.scratch();
        dCtx = buffers.scratch();
        dq = buffers.scratch();
        dk = buffers.scratch();
        dv = buffers.scratch();
        dH1 = buffers.scratch();
        geluTemp = buffers.scratch();
        geluD = buffers.scratch();
        geluT = buffers.scratch();
        ones = buffers.scratch();
        geluKeep = buffers.scratch();
    }

    /** The block's temporaries become {@code pool}'s, shared with the decoder's other blocks. */
    void shareScratch(ScratchPool pool) {
        buffers.share(pool, "Gpt2Block");
    }

    /** Bytes of the block's own buffers (shared temporaries count in their pool). */
    long bufferBytes() {
        return buffers.bytes();
    }

    private LoraMixture lora(
            String name,
            int site,
            long h,
            AdaptationConfig adaptation,
            Router router,
            Buffers buffers) {
        return new LoraMixture(name, site, h, h, adaptation, router, tensors, buffers);
    }

    /** The block's adaptation modules, bottom to top. */
    List<AdaptationModule> adaptations() {
        List<AdaptationModule> out = new ArrayList<>();
        if (loraQ != null) out.add(loraQ);
        if (loraV != null) out.add(loraV);
        if (attentionAdapter != null) out.add(attentionAdapter);
        if (mlpAdapter != null) out.add(mlpAdapter);
        return out;
    }

    LoraMixture loraQuery() {
        return loraQ;
    }

    LoraMixture loraValue() {
        return loraV;
    }

    /** Whether the block has anything trained. */
    boolean trains() {
        return trainsAttention || mlpAdapter != null || tensors.trainable(fcName + ".weight");
    }

    private INDArray w(String key) {
        return tensors.value(key);
    }

    private INDArray g(String key) {
        return tensors.gradient(key);
    }

    /**
     * The block on t new columns per sequence, x [batch·t, n_embd]; their keys and values go into
     * {@code cache} (which the caller advances after the last block). {@code views} &gt; 1
     * (training with the consistency loss) splits the rows into equal views, each routed on its
     * own. Returns a buffer [batch·t, n_embd].
     */
    INDArray forward(INDArray x, KvCache cache, int t, boolean training, int views) {
        long n = x.size(0), hidden = x.size(1), inner = w(fcName + ".weight").size(0);
        INDArray h1 = this.h1.get(n, hidden),
                q = this.q.get(n, hidden),
                k = this.k.get(n, hidden),
                v = this.v.get(n, hidden);
        ln1.forward(x, w(ln1Name + ".weight"), w(ln1Name + ".bias"), h1);
        Ops.linear(h1, wq, bq, q);
        Ops.linear(h1, wk, bk, k);
        Ops.linear(h1, wv, bv, v);
        if (loraQ != null) {
            loraQ.forward(h1, q, training, views);
            loraV.forward(h1, v, training, views);
        }
        cache.write(layer, k, v, t);
        INDArray ctx = this.ctx.get(n, hidden);
        attention.forward(q, cache, layer, t, ctx);
        INDArray a = this.a.get(n, hidden);
        INDArray wo = w(projName + ".weight"), bo = w(projName + ".bias");
        if (attentionAdapter == null) Ops.linearPlusResidual(ctx, wo, bo, x, a);
        else {
            INDArray proj = this.proj.get(n, hidden);
            Ops.linear(ctx, wo, bo, proj);
            attentionAdapter.forward(proj, a, training, views);
            a.addi(x);
        }

        INDArray h2 = this.h2.get(n, hidden),
                fc = this.fc.get(n, inner),
                act = this.act.get(n, inner);
        ln2.forward(a, w(ln2Name + ".weight"), w(ln2Name + ".bias"), h2);
        Ops.gemm(h2, w(fcName + ".weight"), fc, false, true, 1.0, 0.0);
        // c_fc's bias is added inside GELU's passes (fc keeps the product without it)
        gelu.forwardRecomputing(fc, w(fcName + ".bias"), act, geluTemp);
        INDArray out = this.out.get(n, hidden);
        INDArray wp = w(mlpProjName + ".weight"), bp = w(mlpProjName + ".bias");
        if (mlpAdapter == null) Ops.linearPlusResidual(act, wp, bp, a, out);
        else {
            INDArray m = mlpOut.get(n, hidden);
            Ops.linear(act, wp, bp, m);
            mlpAdapter.forward(m, out, training, views);
            out.addi(a);
        }
        return out;
    }

    /**
     * Gradients of the last training forward pass: trained tensors' gradients overwritten, and the
     * input gradient returned (a buffer) when {@code needInputGradient}, else null.
     */
    INDArray backward(INDArray dOut, KvCache cache, boolean needInputGradient) {
        long n = dOut.size(0), hidden = dOut.size(1), inner = w(fcName + ".weight").size(0);
        // out = a + M(m), m = act·Wpᵀ + bp
        INDArray dm = throughAdapter(mlpAdapter, mlpOut, dOut, this.dm);
        INDArray act = this.act.get(n, inner), fc = this.fc.get(n, inner);
        linearWeights(dm, act, mlpProjName);
        INDArray dAct = this.dAct.get(n, inner);
        Ops.gemm(dm, w(mlpProjName + ".weight"), dAct, false, false, 1.0, 0.0);
        gelu.backwardRecomputing(
                fc, w(fcName + ".bias"), dAct, dAct, geluTemp, geluKeep, geluD, geluT);
        INDArray h2 = this.h2.get(n, hidden);
        linearWeights(dAct, h2, fcName);
        INDArray dH2 = this.dH2.get(n, hidden), dA = this.dA.get(n, hidden);
        Ops.gemm(dAct, w(fcName + ".weight"), dH2, false, false, 1.0, 0.0);
        ln2.backward(dH2, w(ln2Name + ".weight"), dA, g(ln2Name + ".weight"), g(ln2Name + ".bias"));
        dA.addi(dOut);
        if (!trainsAttention && !needInputGradient) return null;

        // a = x + A(proj), proj = ctx·Woᵀ + bo
        INDArray dProj = throughAdapter(attentionAdapter, proj, dA, this.dProj);
        INDArray ctx = this.ctx.get(n, hidden), dCtx = this.dCtx.get(n, hidden);
        linearWeights(dProj, ctx, projName);
        Ops.gemm(dProj, w(projName + ".weight"), dCtx, false, false, 1.0, 0.0);
        INDArray q = this.q.get(n, hidden), h1 = this.h1.get(n, hidden);
        INDArray dq = this.dq.get(n, hidden),
                dk = this.dk.get(n, hidden),
                dv = this.dv.get(n, hidden);
        attention.backward(dCtx, q, cache, layer, dq, dk, dv);
        if (dWq != null) {
            Ops.gemm(dq, h1, dWq, true, false, 1.0, 0.0);
            Ops.gemm(dk, h1, dWk, true, false, 1.0, 0.0);
            Ops.gemm(dv, h1, dWv, true, false, 1.0, 0.0);
            Ops.sumRows(dq, dBq, false, ones);
            Ops.sumRows(dk, dBk, false, ones);
            Ops.sumRows(dv, dBv, false, ones);
        }
        INDArray dH1 = this.dH1.get(n, hidden);
        Ops.gemm(dq, wq, dH1, false, false, 1.0, 0.0);
        Ops.gemm(dk, wk, dH1, false, false, 1.0, 1.0);
        Ops.gemm(dv, wv, dH1, false, false, 1.0, 1.0);
        if (loraQ != null) {
            loraQ.backward(h1, dq, dH1);
            loraV.backward(h1, dv, dH1);
        }
        INDArray dx = this.dx.get(n, hidden);
        ln1.backward(dH1, w(ln1Name + ".weight"), dx, g(ln1Name + ".weight"), g(ln1Name + ".bias"));
        dx.addi(dA);
        return needInputGradient ? dx : null;
    }

    /**
     * dy back through y = A(x), x kept in {@code input}: the gradient at x (into {@code dx}), or dy
     * itself when there is no adapter.
     */
    private static INDArray throughAdapter(
            AdapterMixture adapter, Buffer input, INDArray dy, Buffer dx) {
        if (adapter == null) return dy;
        INDArray g = dx.get(dy.shape());
        adapter.backward(input.get(dy.shape()), dy, g);
        return g;
    }

    /** For y = x·Wᵀ + b of {@code name}: dW = dyᵀ·x, db = Σ dy, when the layer is trained. */
    private void linearWeights(INDArray dy, INDArray x, String name) {
        INDArray dW = g(name + ".weight");
        if (dW != null) Ops.gemm(dy, x, dW, true, false, 1.0, 0.0);
        INDArray dB = g(name + ".bias");
        if (dB != null) Ops.sumRows(dy, dB, false, ones);
    }
}
