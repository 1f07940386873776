package org.adamix.jobs.generation;

import java.io.Serializable;
import org.adamix.model.AdaptationConfig;
import org.adamix.model.OptimizerConfig;
import org.adamix.model.checkpoint.Gpt2Backbone;
import org.adamix.model.decoder.Gpt2LmModel;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Everything but the weights that makes a {@link Gpt2LmModel}: the same on the driver and on every
 * executor.
 */
public record GenerationSpec(
        AdaptationConfig adaptation, OptimizerConfig optimizer, double labelSmoothing, long seed)
        implements Serializable {

    public Gpt2LmModel build(Gpt2Backbone backbone) {
        return Gpt2LmModel.build(
                backbone, adaptation, optimizer, labelSmoothing, seed, DataType.FLOAT);
    }
}
