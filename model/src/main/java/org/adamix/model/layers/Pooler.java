package org.adamix.model.layers;

import org.adamix.model.HeadConfig;
import org.adamix.model.ops.Buffer;
import org.adamix.model.ops.Ops;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Tanh;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * [B, T, H] → [B, H] by the head's {@link HeadConfig.Pooling}: the first token; the first token
 * through tanh(W·x + b); or the masked mean Σ_t m_t·h_t / Σ_t m_t over real tokens.
 */
public class Pooler extends Sublayer<PoolerConf> {
    /**
     * Saved by the forward pass: sizes, the pooled input (first token or mean), the token weights,
     * the tanh output.
     */
    private long b, t;

    private final Buffer pooled = buffers.next(),
            tokenWeights = buffers.next(),
            out = buffers.next();

    /** Temporaries. */
    private final Buffer dx = buffers.next(),
            dPre = buffers.next(),
            dPooled = buffers.next(),
            ones = buffers.next();

    public Pooler(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    protected INDArray forward(INDArray input, boolean training) {
        b = input.size(0);
        t = input.size(1);
        long h = input.size(2);
        INDArray first = pooled.get(b, h);
        if (c().pooling() == HeadConfig.Pooling.MEAN) {
            INDArray m = tokenWeights();
            // [B, 1, T] × [B, T, H] → [B, 1, H]: one batched product instead of a masked sum and a
            // division
            Nd4j.matmul(m.reshape(b, 1, t), input, first.reshape(b, 1, h));
            return first;
        }
        first.assign(input.get(NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all()));
        if (c().pooling() == HeadConfig.Pooling.CLS) return first;
        INDArray out = this.out.get(b, h);
        Ops.linear(first, w("dense.weight"), w("dense.bias"), out);
        Nd4j.exec(new Tanh(out, out));
        return out;
    }

    /** [B, T]: m_t / Σ_t m_t (all ones without a mask). */
    private INDArray tokenWeights() {
        INDArray m = tokenWeights.get(b, t);
        if (maskArray == null) m.assign(1.0);
        else m.assign(maskArray);
        m.diviColumnVector(m.sum(true, 1));
        return m;
    }

    @Override
    protected INDArray backward(INDArray epsilon, boolean needInputGradient) {
        long h = epsilon.size(1);
        if (c().pooling() == HeadConfig.Pooling.MEAN) {
            if (!needInputGradient) return null;
            INDArray dx = this.dx.get(b, t, h);
            INDArray m = tokenWeights.get(b, t);
            // dx[b, t, :] = m[b, t] · dy[b, :]
            Nd4j.matmul(m.reshape(b, t, 1), epsilon.reshape(b, 1, h), dx);
            return dx;
        }
        INDArray dFirst = epsilon;
        if (c().pooling() == HeadConfig.Pooling.POOLER) {
            INDArray out = this.out.get(b, h);
            INDArray dPre = this.dPre.get(b, h);
            out.mul(out, dPre).rsubi(1.0).muli(epsilon); // tanh' = 1 − out²
            INDArray dW = g("dense.weight");
            if (dW != null) { // the backbone's pooler is frozen
                Ops.gemm(dPre, pooled.get(b, h), dW, true, false, 1.0, 0.0);
                Ops.sumRows(dPre, g("dense.bias"), false, ones);
            }
            dFirst = dPooled.get(b, h);
            Ops.gemm(dPre, w("dense.weight"), dFirst, false, false, 1.0, 0.0);
        }
        if (!needInputGradient) return null;
        INDArray dx = this.dx.zeros(b, t, h);
        dx.get(NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all()).assign(dFirst);
        return dx;
    }

    @Override
    public Pair<INDArray, MaskState> feedForwardMaskArray(
            INDArray maskArray, MaskState currentMaskState, int minibatchSize) {
        this.maskArray = maskArray;
        return new Pair<>(null, null); // one vector per sequence: nothing left to mask
    }
}
