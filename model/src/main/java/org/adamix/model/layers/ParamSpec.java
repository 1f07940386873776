package org.adamix.model.layers;

import java.io.Serializable;

/**
 * One tensor of a sublayer: its key inside the layer, shape, whether it is trained, how it starts,
 * and where it comes from in the backbone (Hugging Face name; null for adaptation weights). Frozen
 * tensors are not DL4J parameters at all: no gradient, no updater state, not in the flat vector
 * that Spark averages.
 */
public record ParamSpec(
        String key, long[] shape, boolean trainable, Init init, String backboneName, boolean decay)
        implements Serializable {

    public enum Init {
        ZERO,
        ONE,
        NORMAL,
        /**
         * Stacked experts [M, …]: one normal draw of one expert's shape, copied to all M. The
         * authors build a mixture from M deep copies of one initialized module, so experts start
         * equal and differ only by the batches routed to them, which keeps their average (the
         * merged module) meaningful.
         */
        NORMAL_SAME_FOR_EXPERTS,
        BACKBONE;

        /** How a mixture's randomly started half is drawn: a draw per expert, or one for all. */
        public static Init experts(boolean independent) {
            return independent ? NORMAL : NORMAL_SAME_FOR_EXPERTS;
        }
    }

    /** A new adaptation or head tensor: always trainable. */
    public static ParamSpec added(String key, Init init, long... shape) {
        return new ParamSpec(key, shape, true, init, null, decays(key, false));
    }

    /**
     * Weight decay by role, not by rank (the authors' Trainer rule): biases and LayerNorm
     * parameters never decay, every other weight does. Stacked expert biases [M, r] are biases.
     */
    public static boolean decays(String key, boolean layerNorm) {
        return !layerNorm && !key.endsWith("bias");
    }

    public long length() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }
}
