package org.adamix.model.layers;

import org.adamix.model.ops.Ops;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Tanh;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** [B, T, H] → [B, H]: the first token, optionally through tanh(W·x + b). */
public class Pooler extends Sublayer<PoolerConf> {
    private long b, t;

    public Pooler(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    protected INDArray forward(INDArray input, boolean training) {
        b = input.size(0);
        t = input.size(1);
        long h = input.size(2);
        INDArray first = scratch.get("first", b, h);
        first.assign(input.get(NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all()));
        if (!c().pooler()) return first;
        INDArray out = scratch.get("out", b, h);
        Ops.linear(first, w("dense.weight"), w("dense.bias"), out);
        Nd4j.exec(new Tanh(out, out));
        return out;
    }

    @Override
    protected INDArray backward(INDArray epsilon, boolean needInputGradient) {
        long h = epsilon.size(1);
        INDArray dFirst = epsilon;
        if (c().pooler()) {
            INDArray out = scratch.get("out", b, h);
            INDArray dPre = scratch.get("dPre", b, h);
            out.mul(out, dPre).rsubi(1.0).muli(epsilon); // tanh' = 1 − out²
            Ops.gemm(dPre, scratch.get("first", b, h), g("dense.weight"), true, false, 1.0, 0.0);
            Ops.sumRows(dPre, g("dense.bias"), false, scratch);
            dFirst = scratch.get("dFirst", b, h);
            Ops.gemm(dPre, w("dense.weight"), dFirst, false, false, 1.0, 0.0);
        }
        if (!needInputGradient) return null;
        INDArray dx = scratch.zeros("dx", b, t, h);
        dx.get(NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all()).assign(dFirst);
        return dx;
    }

    @Override
    public Pair<INDArray, MaskState> feedForwardMaskArray(INDArray maskArray, MaskState currentMaskState, int minibatchSize) {
        this.maskArray = maskArray;
        return new Pair<>(null, null); // one vector per sequence: nothing left to mask
    }
}
