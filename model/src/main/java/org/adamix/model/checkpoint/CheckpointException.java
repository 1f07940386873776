package org.adamix.model.checkpoint;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A checkpoint that cannot be turned into a valid backbone. The message always names where the
 * problem is (a file, or a backbone when it did not come from a file) and, when one tensor is at
 * fault, that tensor: {@code "<source>: tensor '<name>': <detail>"}.
 */
public class CheckpointException extends IOException {

    private final String source;
    private final String tensor;

    public CheckpointException(String source, String tensor, String detail, Throwable cause) {
        super(format(source, tensor, detail), cause);
        this.source = source;
        this.tensor = tensor;
    }

    public CheckpointException(String source, String tensor, String detail) {
        this(source, tensor, detail, null);
    }

    public CheckpointException(Path file, String tensor, String detail) {
        this(String.valueOf(file), tensor, detail, null);
    }

    public CheckpointException(Path file, String detail) {
        this(String.valueOf(file), null, detail, null);
    }

    public CheckpointException(Path file, String detail, Throwable cause) {
        this(String.valueOf(file), null, detail, cause);
    }

    /** The file (or backbone) the problem was found in. */
    public String source() {
        return source;
    }

    /** The tensor at fault, or null when the problem is not about one tensor. */
    public String tensor() {
        return tensor;
    }

    private static String format(String source, String tensor, String detail) {
        return source + ": " + (tensor == null ? "" : "tensor '" + tensor + "': ") + detail;
    }
}
