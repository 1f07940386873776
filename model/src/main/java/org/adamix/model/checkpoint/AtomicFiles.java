package org.adamix.model.checkpoint;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Local files and folders that readers see complete or not at all: written under a hidden temporary
 * sibling name ({@code .name…tmp}, same folder so the same file system) and then renamed into place
 * in one step. The one copy of this for the local writers (Safetensors, HF folders, adapter
 * checkpoints, exports); the Hadoop {@code FileSystem} counterpart is spark-jobs' {@code FsPaths}.
 */
public final class AtomicFiles {

    private AtomicFiles() {}

    /**
     * Writes what belongs in a temporary file (which exists, empty) or an empty temporary folder.
     * {@code E}: a checked exception of the caller's own (a bad input found while writing) that
     * passes through unwrapped.
     */
    @FunctionalInterface
    public interface Content<E extends Exception> {
        void writeTo(Path tmp) throws IOException, E;
    }

    /** Writes {@code target} as a file through {@code content}, replacing an older file there. */
    public static <E extends Exception> void writeFile(Path target, Content<E> content)
            throws IOException, E {
        Path abs = target.toAbsolutePath().normalize();
        if (Files.isDirectory(abs)) throw new CheckpointException(abs, "exists and is a directory");
        Files.createDirectories(abs.getParent());
        Path tmp =
                shareable(Files.createTempFile(abs.getParent(), "." + abs.getFileName(), ".tmp"));
        try {
            content.writeTo(tmp);
            rename(tmp, abs);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Writes {@code target} as a folder: {@code content} fills an empty temporary folder that then
     * replaces it.
     */
    public static <E extends Exception> void writeDir(Path target, Content<E> content)
            throws IOException, E {
        Path abs = target.toAbsolutePath().normalize();
        if (Files.exists(abs) && !Files.isDirectory(abs))
            throw new CheckpointException(abs, "exists and is not a directory");
        Files.createDirectories(abs.getParent());
        Path tmp =
                shareable(
                        Files.createTempDirectory(
                                abs.getParent(), "." + abs.getFileName() + ".tmp-"));
        try {
            content.writeTo(tmp);
            publishDir(tmp, abs);
        } finally {
            deleteRecursively(tmp);
        }
    }

    /** Deletes a file or a folder with everything in it; nothing if {@code p} is null or absent. */
    public static void deleteRecursively(Path p) throws IOException {
        if (p == null || !Files.exists(p)) return;
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        }
    }

    private static void publishDir(Path tmp, Path target) throws IOException {
        Path old = null;
        if (Files.exists(target)) {
            // a folder cannot be renamed over a non-empty one: move the old one aside first
            old = target.resolveSibling("." + target.getFileName() + ".old-" + System.nanoTime());
            rename(target, old);
        }
        try {
            rename(tmp, target);
        } catch (IOException | RuntimeException e) {
            // never leave the target missing: put the old version back
            if (old != null) {
                try {
                    rename(old, target);
                } catch (IOException restore) {
                    e.addSuppressed(restore);
                }
            }
            throw e;
        }
        deleteRecursively(old);
    }

    private static void rename(Path from, Path to) throws IOException {
        try {
            Files.move(
                    from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * Temp files and folders are created owner-only; checkpoints and exports are read by other
     * users (executors).
     */
    private static Path shareable(Path tmp) throws IOException {
        if (Files.getFileAttributeView(tmp, PosixFileAttributeView.class) != null) {
            String mode = Files.isDirectory(tmp) ? "rwxr-xr-x" : "rw-r--r--";
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString(mode));
        }
        return tmp;
    }
}
