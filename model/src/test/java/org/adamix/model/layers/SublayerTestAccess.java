package org.adamix.model.layers;

import org.adamix.model.AdaMixModel;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Test access to a sublayer's gradient views. */
public final class SublayerTestAccess {
    private SublayerTestAccess() {}

    public static INDArray gradient(AdaMixModel m, String layer, String key) {
        return ((Sublayer<?>) m.graph().getLayer(layer)).g(key).dup();
    }
}
