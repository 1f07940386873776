package org.adamix.model.ops;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.random.impl.BernoulliDistribution;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Inverted dropout with the mask kept in a scratch slot for the backward pass. Masks come from
 * ND4J's generator, which the model reseeds at every step, so two runs draw the same masks.
 */
public final class Dropout {
    private Dropout() {}

    /** x *= mask/keep in place; no-op when p == 0 or not training. */
    public static void forward(INDArray x, double p, boolean training, Scratch s, String slot) {
        INDArray mask = mask(x.shape(), p, training, s, slot);
        if (mask != null) x.muli(mask);
    }

    /** Draws a fresh mask (0 or 1/keep) into the slot for kernels that apply it themselves; null when off. */
    public static INDArray mask(long[] shape, double p, boolean training, Scratch s, String slot) {
        if (!training || p <= 0) return null;
        INDArray mask = s.get(slot, shape);
        Nd4j.getExecutioner().exec(new BernoulliDistribution(mask, 1.0 - p), Nd4j.getRandom());
        mask.muli(1.0 / (1.0 - p));
        return mask;
    }

    /** The mask of the last forward, or null when off. */
    public static INDArray lastMask(long[] shape, double p, boolean training, Scratch s, String slot) {
        return !training || p <= 0 ? null : s.get(slot, shape);
    }

    /** dx *= mask/keep in place, for the mask of the last forward. */
    public static void backward(INDArray dx, double p, boolean training, Scratch s, String slot) {
        INDArray mask = lastMask(dx.shape(), p, training, s, slot);
        if (mask != null) dx.muli(mask);
    }
}
