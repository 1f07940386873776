package org.adamix.jobs.train;

import java.io.Serializable;

/**
 * What the driver broadcasts each round: the trainable vector, Adam's state (null before the first
 * step: workers start from zeros) and the global step. Plain float arrays: INDArrays do not serialize.
 */
public record Weights(float[] params, float[] state, long step) implements Serializable {}
