package org.adamix.model.layers;

import org.adamix.model.Gelu;
import org.adamix.model.adamix.AdapterMixture;
import org.adamix.model.adamix.LoraMixture;
import org.adamix.model.adamix.Router;
import org.adamix.model.ops.Dropout;
import org.adamix.model.ops.Kernels;
import org.adamix.model.ops.LayerNormOp;
import org.adamix.model.ops.Ops;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce.same.Sum;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

/**
 * out = LayerNorm(x + adapter(dropout(Attention(x)·Woᵀ + bo))), Attention = softmax(QKᵀ/√d + mask)·V per
 * head, with Q and V optionally carrying LoRA (mixture) updates. The per-head products run fused in
 * {@code ops/VectorAttention} (one (sequence, head) tile at a time); batched ND4J GEMMs over strided
 * [B, heads, T, d] views remain as the path for float64 and runs without the Vector API.
 */
public class Attention extends Sublayer<AttentionConf> {
    private static final double MASKED = -1e9;
    private LayerNormOp norm;
    private LoraMixture loraQ, loraV;
    private AdapterMixture adapter;
    private long b, t;

    public Attention(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public void bind(Map<String, INDArray> frozenByKey, Router router) {
        super.bind(frozenByKey, router);
        var cfg = c();
        norm = new LayerNormOp("ln", cfg.bert().layerNormEps());
        if (cfg.adaptation().method().lora()) {
            double s = cfg.adaptation().loraScale();
            double p = cfg.adaptation().loraDropout();
            loraQ = new LoraMixture("loraQ", cfg.layerIndex(), s, p, router);
            loraV = new LoraMixture("loraV", cfg.layerIndex(), s, p, router);
        }
        if (cfg.adaptation().method().adapterAtAttention())
            adapter = new AdapterMixture("adapter", 1000 + cfg.layerIndex(), Gelu.of(cfg.bert().hiddenAct()), router);
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
        INDArray q = scratch.get("q", n, h), k = scratch.get("k", n, h), v = scratch.get("v", n, h);
        Ops.linear(x, w("attention.self.query.weight"), w("attention.self.query.bias"), q);
        Ops.linear(x, w("attention.self.key.weight"), w("attention.self.key.bias"), k);
        Ops.linear(x, w("attention.self.value.weight"), w("attention.self.value.bias"), v);
        if (loraQ != null) {
            loraQ.forward(x, q, experts("lora.query.A"), experts("lora.query.B"), training, views(training), scratch);
            loraV.forward(x, v, experts("lora.value.A"), experts("lora.value.B"), training, views(training), scratch);
        }
        INDArray bias = null;
        if (maskArray != null) { // 0 where attended, MASKED where padding
            bias = scratch.get("maskBias", b, t);
            bias.assign(maskArray).subi(1.0).muli(-MASKED);
        }
        INDArray ctx = scratch.get("ctx", n, h);
        double scale = 1.0 / Math.sqrt(dh);
        if (Kernels.on(q, k, v, ctx, bias)) {
            INDArray probs = training ? scratch.get("p", b, nh, t, t) : null; // inference keeps no T×T array
            INDArray drop = Dropout.mask(new long[] {b, nh, t, t}, bert.attentionDropout(), training, scratch, "dropP");
            Kernels.attention(q, k, v, bias, drop, probs, ctx, b, nh, scale);
        } else {
            INDArray p = scratch.get("p", b, nh, t, t);
            Ops.gemm(heads(q), heads(k), p, false, true, scale, 0.0);
            softmax(p, bias);
            INDArray pUsed = p;
            if (training && bert.attentionDropout() > 0) {
                pUsed = scratch.get("pDrop", b, nh, t, t);
                pUsed.assign(p);
                Dropout.forward(pUsed, bert.attentionDropout(), true, scratch, "dropP");
            }
            Ops.gemm(pUsed, heads(v), heads(ctx), false, false, 1.0, 0.0);
        }
        INDArray o = scratch.get("o", n, h);
        Ops.linear(ctx, w("attention.output.dense.weight"), w("attention.output.dense.bias"), o);
        Dropout.forward(o, bert.hiddenDropout(), training, scratch, "dropO");
        INDArray oa = o;
        if (adapter != null) {
            oa = scratch.get("oa", n, h);
            adapter.forward(o, oa, experts("adapter.attention.down", true), experts("adapter.attention.up", true),
                    training, views(training), scratch);
        }
        INDArray out = scratch.get("out", b, t, h);
        norm.forward(oa, x, w("attention.output.LayerNorm.weight"), w("attention.output.LayerNorm.bias"), out.reshape(n, h), scratch);
        return out;
    }

    @Override
    protected INDArray backward(INDArray epsilon, boolean needInputGradient) {
        var bert = c().bert();
        long h = bert.hiddenSize(), nh = bert.numHeads(), dh = bert.headSize(), n = b * t;
        INDArray x = input.reshape(n, h);
        INDArray dz = scratch.get("dz", n, h);
        norm.backward(epsilon.reshape(n, h), w("attention.output.LayerNorm.weight"), dz,
                g("attention.output.LayerNorm.weight"), g("attention.output.LayerNorm.bias"), scratch);
        INDArray dO = scratch.get("dO", n, h);
        if (adapter != null) {
            adapter.backward(scratch.get("o", n, h), dz, dO, experts("adapter.attention.down", true),
                    experts("adapter.attention.up", true), expertGrads("adapter.attention.down", true),
                    expertGrads("adapter.attention.up", true), scratch);
        } else {
            dO.assign(dz);
        }
        Dropout.backward(dO, bert.hiddenDropout(), lastTraining, scratch, "dropO");
        INDArray ctx = scratch.get("ctx", n, h);
        weightGrads("attention.output.dense", dO, ctx);

        boolean qkvTrainable = g("attention.self.query.weight") != null;
        if (!needInputGradient && loraQ == null && !qkvTrainable) return null;

        INDArray dctx = scratch.get("dctx", n, h);
        Ops.gemm(dO, w("attention.output.dense.weight"), dctx, false, false, 1.0, 0.0);
        INDArray q = scratch.get("q", n, h), k = scratch.get("k", n, h), v = scratch.get("v", n, h);
        INDArray p = scratch.get("p", b, nh, t, t);
        INDArray dq = scratch.get("dq", n, h), dk = scratch.get("dk", n, h), dv = scratch.get("dv", n, h);
        double scale = 1.0 / Math.sqrt(dh);
        if (Kernels.on(q, k, v, p, dctx, dq, dk, dv)) {
            INDArray drop = Dropout.lastMask(p.shape(), bert.attentionDropout(), lastTraining, scratch, "dropP");
            Kernels.attentionBackward(q, k, v, p, drop, dctx, dq, dk, dv, b, nh, scale);
        } else {
            INDArray dctxh = heads(dctx);
            INDArray pUsed = lastTraining && bert.attentionDropout() > 0 ? scratch.get("pDrop", b, nh, t, t) : p;
            INDArray dp = scratch.get("dp", b, nh, t, t);
            Ops.gemm(dctxh, heads(v), dp, false, true, 1.0, 0.0);
            Ops.gemm(pUsed, dctxh, heads(dv), true, false, 1.0, 0.0);
            Dropout.backward(dp, bert.attentionDropout(), lastTraining, scratch, "dropP");
            INDArray ds = scratch.get("ds", b, nh, t, t);
            softmaxBackward(p, dp, ds);
            Ops.gemm(ds, heads(k), heads(dq), false, false, scale, 0.0);
            Ops.gemm(ds, heads(q), heads(dk), true, false, scale, 0.0);
        }
        weightGrads("attention.self.query", dq, x);
        weightGrads("attention.self.key", dk, x);
        weightGrads("attention.self.value", dv, x);

        INDArray dx = null;
        if (needInputGradient) {
            dx = scratch.get("dx", n, h);
            dx.assign(dz);
            Ops.gemm(dq, w("attention.self.query.weight"), dx, false, false, 1.0, 1.0);
            Ops.gemm(dk, w("attention.self.key.weight"), dx, false, false, 1.0, 1.0);
            Ops.gemm(dv, w("attention.self.value.weight"), dx, false, false, 1.0, 1.0);
        }
        if (loraQ != null) {
            loraQ.backward(x, dq, dx, experts("lora.query.A"), experts("lora.query.B"),
                    expertGrads("lora.query.A"), expertGrads("lora.query.B"), scratch);
            loraV.backward(x, dv, dx, experts("lora.value.A"), experts("lora.value.B"),
                    expertGrads("lora.value.A"), expertGrads("lora.value.B"), scratch);
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
        INDArray rowSum = scratch.get("rowSum", rows);
        dp.mul(p, ds);
        Nd4j.exec(new Sum(ds.reshape(rows, t), rowSum, 1));
        Ops.subCol(dp.reshape(rows, t), rowSum, dp.reshape(rows, t));
        dp.mul(p, ds);
    }

    private org.adamix.model.adamix.ExpertWeights experts(String key) {
        return new org.adamix.model.adamix.ExpertWeights(w(key), null);
    }

    private org.adamix.model.adamix.ExpertWeights expertGrads(String key) {
        return new org.adamix.model.adamix.ExpertWeights(g(key), null);
    }

    /** dW = dyᵀ·x and db = Σ dy for a trainable linear layer; nothing for a frozen one. */
    private void weightGrads(String name, INDArray dy, INDArray x) {
        INDArray dw = g(name + ".weight");
        if (dw == null) return;
        Ops.gemm(dy, x, dw, true, false, 1.0, 0.0);
        Ops.sumRows(dy, g(name + ".bias"), false, scratch);
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
