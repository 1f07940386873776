package org.adamix.model.layers;

import java.io.Serializable;

/**
 * One tensor of a sublayer: its key inside the layer, shape, whether it is trained, how it starts,
 * and where it comes from in the backbone (Hugging Face name; null for adaptation weights).
 * Frozen tensors are not DL4J parameters at all: no gradient, no updater state, not in the flat
 * vector that Spark averages.
 */
public record ParamSpec(String key, long[] shape, boolean trainable, Init init, String backboneName, boolean decay)
        implements Serializable {

    public enum Init { ZERO, ONE, NORMAL, BACKBONE }

    public long length() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }
}
