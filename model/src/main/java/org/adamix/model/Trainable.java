package org.adamix.model;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What data-parallel training moves between the driver and its workers, for the encoder ({@link
 * AdaMixModel}) and the decoder ({@code decoder.Gpt2LmModel}) alike: the flat trainable vector,
 * Adam's state and the step.
 */
public interface Trainable {
    /** The flat vector of every trainable parameter (a live view). */
    INDArray trainableParams();

    void setTrainableParams(INDArray params);

    /** Adam's moments, flat (a live view), or null before the first step. */
    INDArray updaterState();

    /** Creates the optimizer state (zeros) if no step has run yet, e.g. before restoring it. */
    void initUpdater();

    long step();

    void setStep(long step);
}
