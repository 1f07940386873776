package org.adamix.jobs.train;

/**
 * A worker's loss or weights became NaN/Inf: the task fails and its result is never averaged in.
 */
public class TrainingDivergedException extends RuntimeException {
    public TrainingDivergedException(String message) {
        super(message);
    }
}
