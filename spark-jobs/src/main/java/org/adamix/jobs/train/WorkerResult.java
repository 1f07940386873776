package org.adamix.jobs.train;

import java.io.Serializable;

/**
 * One worker's round: its trainable vector and Adam state after its local steps, the examples it
 * trained on (its averaging weight), the sum of its batch losses weighted by batch size, and where
 * it ran.
 */
public record WorkerResult(
        int worker,
        float[] params,
        float[] state,
        long examples,
        double lossSum,
        int steps,
        String jvm,
        int modelsBuiltInJvm,
        long nanos)
        implements Serializable {}
