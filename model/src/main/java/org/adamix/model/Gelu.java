package org.adamix.model;

import org.adamix.model.ops.Buffer;
import org.adamix.model.ops.Kernels;
import org.adamix.model.ops.Ops;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Exp;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Sigmoid;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The GELU variants BERT-family configs name: exact erf ("gelu", as BERT uses) and the tanh
 * approximation ("gelu_new", "gelu_pytorch_tanh"). Forward and backward write into given arrays.
 */
public enum Gelu {
    EXACT,
    TANH;

    private static final double INV_SQRT2 = 1.0 / Math.sqrt(2.0);
    private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2.0 * Math.PI);

    public static boolean isKnown(String act) {
        return switch (act) {
            case "gelu", "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> true;
            default -> false;
        };
    }

    public static Gelu of(String act) {
        if (!isKnown(act)) throw new IllegalArgumentException("unsupported activation " + act);
        return act.equals("gelu") ? EXACT : TANH;
    }

    private static final double C = Math.sqrt(2.0 / Math.PI);
    private static final double K = 0.044715;

    /**
     * y = gelu(x); y must not alias x. Writes into {@code keep} (shaped like x) what the backward
     * pass reuses: Φ(x) for the exact form, σ(2√(2/π)(x + 0.044715x³)) for the tanh form.
     */
    public void forward(INDArray x, INDArray y, INDArray keep) {
        forward(x, null, y, keep, true);
    }

    /**
     * y = gelu(x + bias) for a layer whose backward pass recomputes GELU's factor ({@link
     * #backwardRecomputing}): x is left as it is and nothing else is written, so the forward pass
     * reads x once and writes y once (writing x + bias back cost a pass over an FFN-sized array).
     * The ND4J path (float64, no vector API) forms x + bias in {@code temporary}.
     */
    public void forwardRecomputing(INDArray x, INDArray bias, INDArray y, Buffer temporary) {
        if (Kernels.on(x, bias, y)) {
            Kernels.geluForward(this == EXACT, x, bias, y, null, false);
            return;
        }
        INDArray v = temporary.get(x.shape());
        Ops.addRow(x, bias, v);
        forward(v, y, y); // the factor lands in y, then y = v·factor
    }

    /**
     * The gradient of {@link #forwardRecomputing}: dx = dy · gelu'(x + bias), the factor recomputed
     * from x and the same bias (as PyTorch does: a layer keeps only x). dx may alias dy. The four
     * buffers hold the ND4J path's x + bias, factor and temporaries (the vector kernel needs none);
     * the forward pass's {@code temporary} is free again here and may be passed as vBuffer.
     */
    public void backwardRecomputing(
            INDArray x,
            INDArray bias,
            INDArray dy,
            INDArray dx,
            Buffer vBuffer,
            Buffer keepBuffer,
            Buffer dBuffer,
            Buffer tBuffer) {
        if (Kernels.on(x, bias, dy, dx)) {
            Kernels.geluBackward(this == EXACT, x, bias, null, dy, dx);
            return;
        }
        INDArray v = vBuffer.get(x.shape()), keep = keepBuffer.get(x.shape());
        Ops.addRow(x, bias, v);
        forward(v, dBuffer.get(x.shape()), keep);
        backward(v, keep, dy, dx, dBuffer, tBuffer);
    }

    /**
     * x += bias (the preceding linear layer's bias, fused here), then y = gelu(x). With training
     * false nothing is kept for a backward pass (and x may be left without the bias).
     */
    public void forward(INDArray x, INDArray bias, INDArray y, INDArray keep, boolean training) {
        if (bias != null && Kernels.on(x, bias, y, keep)) {
            Kernels.geluForward(this == EXACT, x, bias, y, training ? keep : null, training);
            return;
        }
        if (bias != null) Ops.addRow(x, bias, x);
        if (this == TANH) {
            // 0.5·(1 + tanh(u)) = σ(2u), u = c·x·(1 + k·x²): one sigmoid, cheaper than tanh in ND4J
            x.mul(x, keep);
            keep.muli(K).addi(1.0).muli(x).muli(2 * C);
            Nd4j.exec(new Sigmoid(keep, keep));
            x.mul(keep, y);
            return;
        }
        // 0.5·x·(1 + erf(x/√2)) = x·Φ(x)
        x.mul(INV_SQRT2, keep);
        Nd4j.exec(new Erf(keep, keep));
        keep.addi(1.0).muli(0.5);
        x.mul(keep, y);
    }

    /**
     * dx = dy · gelu'(x), given the {@code keep} of the forward pass; dx may alias dy. The two
     * buffers hold the ND4J path's temporaries (the vector kernel needs none).
     */
    public void backward(
            INDArray x, INDArray keep, INDArray dy, INDArray dx, Buffer dBuffer, Buffer tBuffer) {
        if (Kernels.on(x, keep, dy, dx)) {
            Kernels.geluBackward(this == EXACT, x, null, keep, dy, dx);
            return;
        }
        INDArray d = dBuffer.get(x.shape());
        INDArray t = tBuffer.get(x.shape());
        if (this == TANH) {
            // σ + x·σ(1 − σ)·2c·(1 + 3k·x²), σ = σ(2u) kept from the forward pass
            x.mul(x, t);
            t.muli(3 * K).addi(1.0).muli(2 * C).muli(x);
            d.assign(keep);
            d.rsubi(1.0).muli(keep).muli(t).addi(keep);
        } else {
            // Φ(x) + x·φ(x), φ(x) = exp(−x²/2)/√(2π)
            x.mul(x, t);
            t.muli(-0.5);
            Nd4j.exec(new Exp(t, t));
            t.muli(INV_SQRT_2PI).muli(x);
            keep.add(t, d);
        }
        dy.mul(d, dx);
    }
}
