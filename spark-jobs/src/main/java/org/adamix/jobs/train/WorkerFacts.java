package org.adamix.jobs.train;

import java.io.Serializable;

/**
 * What the driver learns about one worker's round besides the sums: a few numbers and where it ran
 * (JVM name: pid@host), so that the driver's traffic stays one vector however many workers there
 * are.
 */
public record WorkerFacts(
        int worker,
        long examples,
        double lossSum,
        int steps,
        String jvm,
        int modelsBuiltInJvm,
        long nanos)
        implements Serializable {

    public static WorkerFacts of(WorkerResult r) {
        return new WorkerFacts(
                r.worker(),
                r.examples(),
                r.lossSum(),
                r.steps(),
                r.jvm(),
                r.modelsBuiltInJvm(),
                r.nanos());
    }
}
