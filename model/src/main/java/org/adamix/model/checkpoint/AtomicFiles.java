package org.adamix.model.checkpoint;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;

/** Publishing a finished temporary file or folder under its final name in one rename. */
final class AtomicFiles {

    private AtomicFiles() {}

    static void move(Path from, Path to) throws IOException {
        // temp files are created owner-only; checkpoints are read by other users (executors)
        if (Files.getFileAttributeView(from, PosixFileAttributeView.class) != null)
            Files.setPosixFilePermissions(from, PosixFilePermissions.fromString(Files.isDirectory(from) ? "rwxr-xr-x" : "rw-r--r--"));
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
