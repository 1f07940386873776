package org.adamix.datasets;

/**
 * A dataset cannot be read: missing path, unreadable file, bad header, incoherent spec... Unchecked
 * because readers are {@link java.util.Iterator}s.
 */
public class DatasetException extends RuntimeException {
    public DatasetException(String message) {
        super(message);
    }

    public DatasetException(String message, Throwable cause) {
        super(message, cause);
    }
}
