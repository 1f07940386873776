package org.adamix.jobs.spark;

import java.io.Serializable;
import org.adamix.model.AdaMixModel;
import org.adamix.model.AdaptationConfig;
import org.adamix.model.HeadConfig;
import org.adamix.model.OptimizerConfig;
import org.adamix.model.checkpoint.Backbone;

/**
 * Everything but the weights that makes an {@link AdaMixModel}: the same on the driver and on every
 * executor.
 */
public record ModelSpec(
        AdaptationConfig adaptation,
        HeadConfig head,
        OptimizerConfig optimizer,
        long seed,
        boolean recompute)
        implements Serializable {

    /** Without activation recomputation (it changes memory and time, never a result). */
    public ModelSpec(
            AdaptationConfig adaptation, HeadConfig head, OptimizerConfig optimizer, long seed) {
        this(adaptation, head, optimizer, seed, false);
    }

    public AdaMixModel build(Backbone backbone) {
        AdaMixModel m = AdaMixModel.build(backbone, adaptation, head, optimizer, seed);
        return recompute ? m.recomputeActivations() : m;
    }

    public static ModelSpec of(AdaMixModel m) {
        return new ModelSpec(m.adaptation(), m.head(), m.optimizer(), m.seed());
    }
}
