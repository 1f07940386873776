package org.adamix.model.adamix;

import java.util.List;
import org.adamix.model.layers.ParamSpec;

/**
 * What every adaptation module of a layer answers besides its forward and backward pass: which
 * tensors it adds, and what it becomes when merged (AdaMix §3.3) into a single module.
 */
public interface AdaptationModule {
    /** The tensors it adds to its layer: keys, shapes, start values, weight decay. */
    List<ParamSpec> params();

    /**
     * Writes the merged module (each stacked expert tensor averaged) into {@code target}'s tensors
     * of the same keys.
     */
    void writeMerged(TensorLookup target);
}
