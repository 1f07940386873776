package org.adamix.model.layers;

import org.adamix.model.Gelu;
import org.adamix.model.adamix.AdapterMixture;
import org.adamix.model.adamix.Router;
import org.adamix.model.ops.Dropout;
import org.adamix.model.ops.LayerNormOp;
import org.adamix.model.ops.Ops;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * out = LayerNorm(h + dropout(adapter(GELU(h·W1ᵀ + b1)·W2ᵀ + b2))). The adapter is where AdaMix puts
 * its mixture of experts: at the FFN output, before dropout, the residual and LayerNorm. The order is
 * the authors' (their BertOutput/RobertaOutput): the adapter sees the dense output undropped, and
 * dropout falls on the adapter's output, its skip connection included.
 */
public class FeedForward extends Sublayer<FeedForwardConf> {
    private LayerNormOp norm;
    private Gelu act;
    private AdapterMixture adapter;
    private long b, t;

    public FeedForward(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public void bind(Map<String, INDArray> frozenByKey, Router router) {
        super.bind(frozenByKey, router);
        var cfg = c();
        norm = new LayerNormOp("ln", cfg.bert().layerNormEps());
        act = Gelu.of(cfg.bert().hiddenAct());
        if (cfg.adaptation().method().adapterAtFfn()) adapter = new AdapterMixture("adapter", cfg.layerIndex(), act, router);
    }

    @Override
    protected INDArray forward(INDArray input, boolean training) {
        var bert = c().bert();
        b = input.size(0);
        t = input.size(1);
        long h = bert.hiddenSize(), f = bert.intermediateSize(), n = b * t;
        INDArray x = input.reshape(n, h);
        INDArray a = scratch.get("a", n, f), ga = scratch.get("ga", n, f);
        Ops.linear(x, w("intermediate.dense.weight"), null, a);
        act.forward(a, w("intermediate.dense.bias"), ga, scratch.get("act", n, f), training);
        INDArray y = scratch.get("y", n, h);
        Ops.linear(ga, w("output.dense.weight"), w("output.dense.bias"), y);
        INDArray ya = y;
        if (adapter != null) {
            ya = scratch.get("ya", n, h);
            adapter.forward(y, ya, experts("adapter.ffn.down", true), experts("adapter.ffn.up", true), training,
                    training ? c().adaptation().views() : 1, scratch);
        }
        Dropout.forward(ya, bert.hiddenDropout(), training, scratch, "dropY");
        INDArray out = scratch.get("out", b, t, h);
        norm.forward(ya, x, w("output.LayerNorm.weight"), w("output.LayerNorm.bias"), out.reshape(n, h), scratch);
        return out;
    }

    @Override
    protected INDArray backward(INDArray epsilon, boolean needInputGradient) {
        var bert = c().bert();
        long h = bert.hiddenSize(), f = bert.intermediateSize(), n = b * t;
        INDArray x = input.reshape(n, h);
        INDArray dz = scratch.get("dz", n, h);
        norm.backward(epsilon.reshape(n, h), w("output.LayerNorm.weight"), dz, g("output.LayerNorm.weight"),
                g("output.LayerNorm.bias"), scratch);
        // dz reaches the input x unchanged (the residual); the FFN branch sees it through dropout's mask
        INDArray dy = scratch.get("dy", n, h);
        dy.assign(dz);
        Dropout.backward(dy, bert.hiddenDropout(), lastTraining, scratch, "dropY");
        if (adapter != null) {
            adapter.backward(scratch.get("y", n, h), dy, dy, experts("adapter.ffn.down", true), experts("adapter.ffn.up", true),
                    expertGrads("adapter.ffn.down", true), expertGrads("adapter.ffn.up", true), scratch);
        }
        INDArray ga = scratch.get("ga", n, f);
        INDArray dW2 = g("output.dense.weight");
        if (dW2 != null) {
            Ops.gemm(dy, ga, dW2, true, false, 1.0, 0.0);
            Ops.sumRows(dy, g("output.dense.bias"), false, scratch);
        }
        INDArray dW1 = g("intermediate.dense.weight");
        if (!needInputGradient && dW1 == null) return null;
        INDArray da = scratch.get("da", n, f);
        Ops.gemm(dy, w("output.dense.weight"), da, false, false, 1.0, 0.0);
        act.backward(scratch.get("a", n, f), scratch.get("act", n, f), da, da, scratch, "dact");
        if (dW1 != null) {
            Ops.gemm(da, x, dW1, true, false, 1.0, 0.0);
            Ops.sumRows(da, g("intermediate.dense.bias"), false, scratch);
        }
        if (!needInputGradient) return null;
        INDArray dx = scratch.get("dx", n, h);
        dx.assign(dz);
        Ops.gemm(da, w("intermediate.dense.weight"), dx, false, false, 1.0, 1.0);
        return dx.reshape(b, t, h);
    }
}
