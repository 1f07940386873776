package org.adamix.model.ops;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.random.impl.BernoulliDistribution;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Inverted dropout at one place of a layer, keeping its mask for the backward pass. Masks come from
 * ND4J's generator, which the model reseeds at every step, so two runs draw the same masks.
 */
public final class Dropout {
    private final double p;
    private final Buffer mask;

    /** Whether the last forward pass drew a mask (training with p > 0). */
    private boolean on;

    public Dropout(double p, Buffers buffers) {
        this.p = p;
        this.mask = buffers.next();
    }

    /** x *= mask/keep in place; no-op when p == 0 or not training. */
    public void forward(INDArray x, boolean training) {
        INDArray m = mask(x.shape(), training);
        if (m != null) x.muli(m);
    }

    /** Draws a fresh mask (0 or 1/keep) for kernels that apply it themselves; null when off. */
    public INDArray mask(long[] shape, boolean training) {
        on = training && p > 0;
        if (!on) return null;
        INDArray m = mask.get(shape);
        Nd4j.getExecutioner().exec(new BernoulliDistribution(m, 1.0 - p), Nd4j.getRandom());
        m.muli(1.0 / (1.0 - p));
        return m;
    }

    /** The mask of the last forward pass, or null when it drew none. */
    public INDArray lastMask(long[] shape) {
        return on ? mask.get(shape) : null;
    }

    /** dx *= mask/keep in place, for the mask of the last forward pass. */
    public void backward(INDArray dx) {
        INDArray m = lastMask(dx.shape());
        if (m != null) dx.muli(m);
    }
}
