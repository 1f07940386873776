package org.adamix.model.adamix;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * How an adaptation module finds its tensors in the layer that holds it, by the keys of its specs.
 */
public interface TensorLookup {
    /** The tensor's values, trainable or frozen. */
    INDArray value(String key);

    /** The gradient view of a trainable tensor, null if frozen. */
    INDArray gradient(String key);
}
