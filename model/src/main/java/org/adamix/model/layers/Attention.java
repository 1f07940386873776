package org.adamix.model.layers;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.adamix.model.Gelu;
import org.adamix.model.adamix.AdaptationModule;
import org.adamix.model.adamix.AdapterMixture;
import org.adamix.model.adamix.LoraMixture;
import org.adamix.model.adamix.Router;
import org.adamix.model.names.GraphNames;
import org.adamix.model.ops.Buffer;
import org.adamix.model.ops.Dropout;
import org.adamix.model.ops.DropoutMask;
import org.adamix.model.ops.Kernels;
import org.adamix.model.ops.LayerNormOp;
import org.adamix.model.ops.Ops;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce.same.Sum;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;

/**
 * out = LayerNorm(x + adapter(dropout(Attention(x)·Woᵀ + bo))), Attention = softmax(QKᵀ/√d +
 * mask)·V per head, with Q and V optionally carrying LoRA (mixture) updates. The per-head products
 * run fused in {@code ops/VectorAttention} (one (sequence, head) tile at a time); batched ND4J
 * GEMMs over strided [B, heads, T, d] views remain as the path for float64 and runs without the
 * Vector API.
 */
public class Attention extends Sublayer<AttentionConf> {
    private static final double MASKED = -1e9;
    private LayerNormOp norm;
    private Dropout dropProbs, dropOutput;
    private LoraMixture loraQ, loraV;
    private AdapterMixture adapter;

    /**
     * Saved by the forward pass: sizes, Q, K, V, the key-padding bias, the softmax rows' stats (the
     * fused kernels recompute the probabilities from them) or the probabilities (the ND4J path),
     * the context, and the output projection when an adapter follows it (the adapter's gradient
     * reads it).
     */
    private long b, t;

    private boolean masked;

    private final Buffer q = buffers.next(),
            k = buffers.next(),
            v = buffers.next(),
            maskBias = buffers.next(),
            rowStats = buffers.next(),
            probs = buffers.next(),
            droppedProbs = buffers.next(),
            ctx = buffers.next(),
            o = c().adaptation().method().adapterAtAttention() ? buffers.next() : buffers.scratch();

    /** The output (the next layer keeps it as its input). */
    private final Buffer out = buffers.output();

    /** Temporaries. */
    private final Buffer adapted = buffers.scratch(),
            dz = buffers.scratch(),
            dO = buffers.scratch(),
            dctx = buffers.scratch(),
            dq = buffers.scratch(),
            dk = buffers.scratch(),
            dv = buffers.scratch(),
            dProbs = buffers.scratch(),
            dScores = buffers.scratch(),
            dx = buffers.scratch(),
            rowSum = buffers.scratch(),
            ones = buffers.scratch();

    public Attention(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public void bind(Map<String, INDArray> frozenByKey, Router router) {
        super.bind(frozenByKey, router);
        var cfg = c();
        var bert = cfg.bert();
        long h = bert.hiddenSize();
        norm = new LayerNormOp(bert.layerNormEps(), buffers);
        int layer = cfg.layerIndex();
        dropProbs = new Dropout(bert.attentionDropout(), router, layer, "attention.probs", buffers);
        dropOutput = new Dropout(bert.hiddenDropout(), router, layer, "attention.output", buffers);
        if (cfg.adaptation().method().lora()) { // Q and V share a site, hence a route
            int site = Router.site(cfg.layerIndex());
            loraQ =
                    new LoraMixture(
                            GraphNames.LORA_QUERY,
                            site,
                            h,
                            h,
                            cfg.adaptation(),
                            router,
                            this,
                            buffers);
            loraV =
                    new LoraMixture(
                            GraphNames.LORA_VALUE,
                            site,
                            h,
                            h,
                            cfg.adaptation(),
                            router,
                            this,
                            buffers);
        }
        if (cfg.adaptation().method().adapterAtAttention())
            adapter =
                    new AdapterMixture(
                            GraphNames.ATTENTION_ADAPTER,
                            Router.attentionAdapterSite(cfg.layerIndex()),
                            h,
                            cfg.adaptation(),
                            Gelu.of(bert.hiddenAct()),
                            router,
                            this,
                            buffers);
    }

    @Override
    public List<AdaptationModule> adaptations() {
        List<AdaptationModule> out = new ArrayList<>();
        if (loraQ != null) out.addAll(List.of(loraQ, loraV));
        if (adapter != null) out.add(adapter);
        return out;
    }

    /**
     * The LoRA mixtures on query and value, with the keys of the projection weights they update
     * (empty without LoRA).
     */
    public Map<String, LoraMixture> loraByProjection() {
        if (loraQ == null) return Map.of();
        return Map.of(GraphNames.QUERY + ".weight", loraQ, GraphNames.VALUE + ".weight", loraV);
    }

    private int views(boolean training) {
        return training ? c().adaptation().views() : 1;
    }

    @Override
    protected INDArray forward(INDArray input, boolean training) {
        var bert = c().bert();
        b = input.size(0);
        t = input.size(1);
        long h = bert.hiddenSize(), nh = bert.numHeads(), dh = bert.headSize(), n = b * t;
        INDArray x = input.reshape(n, h);
        INDArray q = this.q.get(n, h), k = this.k.get(n, h), v = this.v.get(n, h);
        Ops.linear(x, w("attention.self.query.weight"), w("attention.self.query.bias"), q);
        Ops.linear(x, w("attention.self.key.weight"), w("attention.self.key.bias"), k);
        Ops.linear(x, w("attention.self.value.weight"), w("attention.self.value.bias"), v);
        if (loraQ != null) {
            loraQ.forward(x, q, training, views(training));
            loraV.forward(x, v, training, views(training));
        }
        INDArray bias = null;
        masked = maskArray != null;
        if (masked) { // 0 where attended, MASKED where padding
            bias = maskBias.get(b, t);
            bias.assign(maskArray).subi(1.0).muli(-MASKED);
        }
        INDArray ctx = this.ctx.get(n, h);
        double scale = 1.0 / Math.sqrt(dh);
        if (Kernels.on(q, k, v, ctx, bias)) {
            INDArray stats = training ? rowStats.get(b, nh, t, 2) : null;
            DropoutMask drop = dropProbs.draw(training);
            Kernels.attention(q, k, v, bias, drop, stats, ctx, b, nh, scale);
        } else {
            INDArray p = probs.get(b, nh, t, t);
            Ops.gemm(heads(q), heads(k), p, false, true, scale, 0.0);
            softmax(p, bias);
            INDArray pUsed = p;
            DropoutMask drop = dropProbs.draw(training);
            if (drop != null) {
                pUsed = droppedProbs.get(b, nh, t, t);
                pUsed.assign(p);
                dropProbs.apply(drop, pUsed);
            }
            Ops.gemm(pUsed, heads(v), heads(ctx), false, false, 1.0, 0.0);
        }
        INDArray o = this.o.get(n, h);
        Ops.linear(ctx, w("attention.output.dense.weight"), w("attention.output.dense.bias"), o);
        dropOutput.forward(o, training);
        INDArray oa = o;
        if (adapter != null) {
            oa = adapted.get(n, h);
            adapter.forward(o, oa, training, views(training));
        }
        INDArray out = this.out.get(b, t, h);
        norm.forward(
                oa,
                x,
                w("attention.output.LayerNorm.weight"),
                w("attention.output.LayerNorm.bias"),
                out.reshape(n, h));
        return out;
    }

    @Override
    protected INDArray backward(INDArray epsilon, boolean needInputGradient) {
        var bert = c().bert();
        long h = bert.hiddenSize(), nh = bert.numHeads(), dh = bert.headSize(), n = b * t;
        INDArray x = input.reshape(n, h);
        INDArray dz = this.dz.get(n, h);
        norm.backward(
                epsilon.reshape(n, h),
                w("attention.output.LayerNorm.weight"),
                dz,
                g("attention.output.LayerNorm.weight"),
                g("attention.output.LayerNorm.bias"));
        INDArray dO = this.dO.get(n, h);
        if (adapter != null) adapter.backward(o.get(n, h), dz, dO);
        else dO.assign(dz);
        dropOutput.backward(dO);
        INDArray ctx = this.ctx.get(n, h);
        weightGrads("attention.output.dense", dO, ctx);

        boolean qkvTrainable = g("attention.self.query.weight") != null;
        if (!needInputGradient && loraQ == null && !qkvTrainable) return null;

        INDArray dctx = this.dctx.get(n, h);
        Ops.gemm(dO, w("attention.output.dense.weight"), dctx, false, false, 1.0, 0.0);
        INDArray q = this.q.get(n, h), k = this.k.get(n, h), v = this.v.get(n, h);
        INDArray dq = this.dq.get(n, h), dk = this.dk.get(n, h), dv = this.dv.get(n, h);
        double scale = 1.0 / Math.sqrt(dh);
        if (Kernels.on(q, k, v, dctx, dq, dk, dv)) {
            INDArray bias = masked ? maskBias.get(b, t) : null, stats = rowStats.get(b, nh, t, 2);
            DropoutMask drop = dropProbs.last();
            Kernels.attentionBackward(q, k, v, bias, stats, drop, dctx, dq, dk, dv, b, nh, scale);
        } else {
            INDArray p = probs.get(b, nh, t, t);
            INDArray dctxh = heads(dctx);
            INDArray pUsed = dropProbs.last() != null ? droppedProbs.get(b, nh, t, t) : p;
            INDArray dp = dProbs.get(b, nh, t, t);
            Ops.gemm(dctxh, heads(v), dp, false, true, 1.0, 0.0);
            Ops.gemm(pUsed, dctxh, heads(dv), true, false, 1.0, 0.0);
            dropProbs.backward(dp);
            INDArray ds = dScores.get(b, nh, t, t);
            softmaxBackward(p, dp, ds);
            Ops.gemm(ds, heads(k), heads(dq), false, false, scale, 0.0);
            Ops.gemm(ds, heads(q), heads(dk), true, false, scale, 0.0);
        }
        weightGrads("attention.self.query", dq, x);
        weightGrads("attention.self.key", dk, x);
        weightGrads("attention.self.value", dv, x);

        INDArray dx = null;
        if (needInputGradient) {
            dx = this.dx.get(n, h);
            dx.assign(dz);
            Ops.gemm(dq, w("attention.self.query.weight"), dx, false, false, 1.0, 1.0);
            Ops.gemm(dk, w("attention.self.key.weight"), dx, false, false, 1.0, 1.0);
            Ops.gemm(dv, w("attention.self.value.weight"), dx, false, false, 1.0, 1.0);
        }
        if (loraQ != null) {
            loraQ.backward(x, dq, dx);
            loraV.backward(x, dv, dx);
        }
        return dx == null ? null : dx.reshape(b, t, h);
    }

    /** In place: p = softmax(p + mask bias) over the key dimension; bias [B, T] or null. */
    private void softmax(INDArray p, INDArray bias) {
        long nh = c().bert().numHeads();
        if (bias != null) p.reshape(b, nh * t, t).addi(bias.reshape(b, 1, t));
        INDArray p2 = p.reshape(b * nh * t, t);
        Nd4j.exec(new SoftMax(p2, p2, 1));
    }

    /** ds = p ⊙ (dp − Σ_j dp_j p_j); dp is overwritten. */
    private void softmaxBackward(INDArray p, INDArray dp, INDArray ds) {
        long rows = p.length() / t;
        INDArray rowSum = this.rowSum.get(rows);
        dp.mul(p, ds);
        Nd4j.exec(new Sum(ds.reshape(rows, t), rowSum, 1));
        Ops.subCol(dp.reshape(rows, t), rowSum, dp.reshape(rows, t));
        dp.mul(p, ds);
    }

    /** dW = dyᵀ·x and db = Σ dy for a trainable linear layer; nothing for a frozen one. */
    private void weightGrads(String name, INDArray dy, INDArray x) {
        INDArray dw = g(name + ".weight");
        if (dw == null) return;
        Ops.gemm(dy, x, dw, true, false, 1.0, 0.0);
        Ops.sumRows(dy, g(name + ".bias"), false, ones);
    }

    /**
     * [B·T, H] seen as [B, heads, T, d]: a strided view, no copy. ND4J's batched matmul takes such
     * views directly (as fast as contiguous input, measured), so heads are never copied out.
     */
    private INDArray heads(INDArray m) {
        long nh = c().bert().numHeads(), dh = c().bert().headSize();
        return m.reshape(b, t, nh, dh).permute(0, 2, 1, 3);
    }
}
