package org.adamix.jobs.spark;

/**
 * The user's input is wrong (missing path, unreadable backbone, incoherent options): exit code 2,
 * one line.
 */
public class JobInputException extends RuntimeException {
    public JobInputException(String message) {
        super(message);
    }

    public JobInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
