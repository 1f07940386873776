package org.adamix.model.layers;

import java.util.List;
import java.util.Map;
import org.adamix.model.Gelu;
import org.adamix.model.adamix.AdaptationModule;
import org.adamix.model.adamix.AdapterMixture;
import org.adamix.model.adamix.Router;
import org.adamix.model.names.GraphNames;
import org.adamix.model.ops.Buffer;
import org.adamix.model.ops.Dropout;
import org.adamix.model.ops.LayerNormOp;
import org.adamix.model.ops.Ops;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * out = LayerNorm(h + dropout(adapter(GELU(h·W1ᵀ + b1)·W2ᵀ + b2))). The adapter is where AdaMix
 * puts its mixture of experts: at the FFN output, before dropout, the residual and LayerNorm. The
 * order is the authors' (their BertOutput/RobertaOutput): the adapter sees the dense output
 * undropped, and dropout falls on the adapter's output, its skip connection included.
 */
public class FeedForward extends Sublayer<FeedForwardConf> {
    private LayerNormOp norm;
    private Gelu act;
    private Dropout dropout;
    private AdapterMixture adapter;

    /**
     * Saved by the forward pass: sizes, h·W1ᵀ (GELU's input but for the bias b1, from which the
     * backward pass recomputes its derivative), the dense output y, and GELU's output when W2 is
     * trained (only its gradient reads it).
     */
    private long b, t;

    private final Buffer pre = buffers.next(),
            hidden = trainsOutputDense() ? buffers.next() : buffers.scratch(),
            y = buffers.next();

    /** The output (the next layer keeps it as its input). */
    private final Buffer out = buffers.output();

    /** Temporaries. */
    private final Buffer geluTemp = buffers.scratch(),
            adapted = buffers.scratch(),
            dz = buffers.scratch(),
            dy = buffers.scratch(),
            dPre = buffers.scratch(),
            dx = buffers.scratch(),
            actD = buffers.scratch(),
            actT = buffers.scratch(),
            ones = buffers.scratch(),
            actKeep = buffers.scratch();

    public FeedForward(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    private boolean trainsOutputDense() {
        return c().param("output.dense.weight").trainable();
    }

    @Override
    public void bind(Map<String, INDArray> frozenByKey, Router router) {
        super.bind(frozenByKey, router);
        var cfg = c();
        norm = new LayerNormOp(cfg.bert().layerNormEps(), buffers);
        act = Gelu.of(cfg.bert().hiddenAct());
        dropout =
                new Dropout(
                        cfg.bert().hiddenDropout(), router, cfg.layerIndex(), "output", buffers);
        if (cfg.adaptation().method().adapterAtFfn())
            adapter =
                    new AdapterMixture(
                            GraphNames.FFN_ADAPTER,
                            Router.site(cfg.layerIndex()),
                            cfg.bert().hiddenSize(),
                            cfg.adaptation(),
                            act,
                            router,
                            this,
                            buffers);
    }

    @Override
    public List<AdaptationModule> adaptations() {
        return adapter == null ? List.of() : List.of(adapter);
    }

    @Override
    protected INDArray forward(INDArray input, boolean training) {
        var bert = c().bert();
        b = input.size(0);
        t = input.size(1);
        long h = bert.hiddenSize(), f = bert.intermediateSize(), n = b * t;
        INDArray x = input.reshape(n, h);
        INDArray a = pre.get(n, f), ga = hidden.get(n, f);
        Ops.linear(x, w("intermediate.dense.weight"), null, a);
        act.forwardRecomputing(a, w("intermediate.dense.bias"), ga, geluTemp);
        INDArray y = this.y.get(n, h);
        Ops.linear(ga, w("output.dense.weight"), w("output.dense.bias"), y);
        INDArray ya = y;
        if (adapter != null) {
            ya = adapted.get(n, h);
            adapter.forward(y, ya, training, training ? c().adaptation().views() : 1);
        }
        dropout.forward(ya, training);
        INDArray out = this.out.get(b, t, h);
        norm.forward(
                ya, x, w("output.LayerNorm.weight"), w("output.LayerNorm.bias"), out.reshape(n, h));
        return out;
    }

    @Override
    protected INDArray backward(INDArray epsilon, boolean needInputGradient) {
        var bert = c().bert();
        long h = bert.hiddenSize(), f = bert.intermediateSize(), n = b * t;
        INDArray x = input.reshape(n, h);
        INDArray dz = this.dz.get(n, h);
        norm.backward(
                epsilon.reshape(n, h),
                w("output.LayerNorm.weight"),
                dz,
                g("output.LayerNorm.weight"),
                g("output.LayerNorm.bias"));
        // dz reaches the input x unchanged (the residual); the FFN branch sees it through dropout's
        // mask
        INDArray dy = this.dy.get(n, h);
        dy.assign(dz);
        dropout.backward(dy);
        if (adapter != null) adapter.backward(y.get(n, h), dy, dy);
        INDArray ga = hidden.get(n, f);
        INDArray dW2 = g("output.dense.weight");
        if (dW2 != null) {
            Ops.gemm(dy, ga, dW2, true, false, 1.0, 0.0);
            Ops.sumRows(dy, g("output.dense.bias"), false, ones);
        }
        INDArray dW1 = g("intermediate.dense.weight");
        if (!needInputGradient && dW1 == null) return null;
        INDArray da = dPre.get(n, f);
        Ops.gemm(dy, w("output.dense.weight"), da, false, false, 1.0, 0.0);
        act.backwardRecomputing(
                pre.get(n, f), w("intermediate.dense.bias"), da, da, geluTemp, actKeep, actD, actT);
        if (dW1 != null) {
            Ops.gemm(da, x, dW1, true, false, 1.0, 0.0);
            Ops.sumRows(da, g("intermediate.dense.bias"), false, ones);
        }
        if (!needInputGradient) return null;
        INDArray dx = this.dx.get(n, h);
        dx.assign(dz);
        Ops.gemm(da, w("intermediate.dense.weight"), dx, false, false, 1.0, 1.0);
        return dx.reshape(b, t, h);
    }
}
