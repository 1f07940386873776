package org.adamix.jobs.spark;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.adamix.model.checkpoint.AtomicFiles;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * File operations on any Hadoop file system that never leave a half-written file or folder under
 * its final name: write under a hidden temporary name ({@code .name.tmp-<uuid>}), then rename. HDFS
 * rename does not replace, so an existing target is first renamed aside ({@code .name.old-<uuid>})
 * and deleted only once the new one is in place: a failure in between puts the old one back, and a
 * crash leaves it under the aside name rather than nowhere ({@link #restoreAside}).
 */
public final class FsPaths {
    private FsPaths() {}

    public static FileSystem fs(Path p, Configuration conf) throws IOException {
        return p.getFileSystem(conf);
    }

    public static Path tempSibling(Path target) {
        return new Path(target.getParent(), "." + target.getName() + ".tmp-" + UUID.randomUUID());
    }

    public static void writeAtomically(Path target, byte[] content, Configuration conf)
            throws IOException {
        FileSystem fs = fs(target, conf);
        Path tmp = tempSibling(target);
        try (OutputStream out = fs.create(tmp, false)) {
            out.write(content);
        }
        replace(fs, tmp, target);
    }

    public static void writeAtomically(Path target, String content, Configuration conf)
            throws IOException {
        writeAtomically(target, content.getBytes(StandardCharsets.UTF_8), conf);
    }

    /**
     * Copies a local folder (flat or nested) to {@code target} on the file system under a temporary
     * name, then renames.
     */
    public static void publishFolder(java.nio.file.Path localDir, Path target, Configuration conf)
            throws IOException {
        FileSystem fs = fs(target, conf);
        fs.mkdirs(target.getParent());
        Path tmp = tempSibling(target);
        try {
            fs.copyFromLocalFile(false, true, new Path(localDir.toAbsolutePath().toUri()), tmp);
            replace(fs, tmp, target);
        } finally {
            if (fs.exists(tmp)) fs.delete(tmp, true);
        }
    }

    /**
     * Puts {@code tmp} in place of {@code target}; the target is never deleted before its successor
     * is in place.
     */
    static void replace(FileSystem fs, Path tmp, Path target) throws IOException {
        Path aside = null;
        if (fs.exists(target)) {
            aside =
                    new Path(
                            target.getParent(), "." + target.getName() + ASIDE + UUID.randomUUID());
            if (!fs.rename(target, aside))
                throw new IOException("cannot move " + target + " aside to replace it");
        }
        if (!fs.rename(tmp, target)) {
            fs.delete(tmp, true);
            if (aside != null && !fs.rename(aside, target))
                throw new IOException(
                        "cannot rename "
                                + tmp
                                + " to "
                                + target
                                + ", nor restore the previous version from "
                                + aside);
            throw new IOException("cannot rename " + tmp + " to " + target);
        }
        if (aside != null && !fs.delete(aside, true))
            throw new IOException("cannot delete the replaced " + aside);
    }

    private static final String ASIDE = ".old-";

    /**
     * When {@code target} is missing but a replaced version of it is still aside (a writer died
     * between the two renames of {@link #replace}), renames the newest such version back; true if
     * it did.
     */
    public static boolean restoreAside(Path target, Configuration conf) throws IOException {
        FileSystem fs = fs(target, conf);
        if (fs.exists(target) || !fs.exists(target.getParent())) return false;
        String prefix = "." + target.getName() + ASIDE;
        FileStatus newest = null;
        for (FileStatus s : fs.listStatus(target.getParent()))
            if (s.getPath().getName().startsWith(prefix)
                    && (newest == null || s.getModificationTime() > newest.getModificationTime()))
                newest = s;
        return newest != null && fs.rename(newest.getPath(), target);
    }

    /** The qualified output folder of a job that writes part files; it must not exist yet. */
    public static Path newOutput(String uri, Configuration conf) throws IOException {
        Path out = new Path(uri);
        FileSystem fs = fs(out, conf);
        out = fs.makeQualified(out);
        if (fs.exists(out)) throw new JobInputException("output " + out + " already exists");
        return out;
    }

    /**
     * Saves the lines as part files under a temporary sibling, then renames it to {@code out}
     * (which then holds the parts and _SUCCESS, or does not exist).
     */
    public static void saveText(
            org.apache.spark.api.java.JavaRDD<String> lines, Path out, Configuration conf)
            throws IOException {
        FileSystem fs = fs(out, conf);
        Path tmp = tempSibling(out);
        try {
            lines.saveAsTextFile(tmp.toString());
            if (!fs.rename(tmp, out)) throw new IOException("cannot rename " + tmp + " to " + out);
        } finally {
            if (fs.exists(tmp)) fs.delete(tmp, true);
        }
    }

    /** Copies a file or folder from any file system into a local folder; returns the local copy. */
    public static java.nio.file.Path copyToLocal(
            Path src, java.nio.file.Path localParent, Configuration conf) throws IOException {
        FileSystem fs = fs(src, conf);
        java.nio.file.Path local =
                localParent.resolve(src.getName().isEmpty() ? "root" : src.getName());
        fs.copyToLocalFile(false, src, new Path(local.toAbsolutePath().toUri()), true);
        return local;
    }

    public static String read(Path p, Configuration conf) throws IOException {
        try (InputStream in = fs(p, conf).open(p)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** True if the path does not exist or is an empty directory. */
    public static boolean absentOrEmpty(Path p, Configuration conf) throws IOException {
        FileSystem fs = fs(p, conf);
        if (!fs.exists(p)) return true;
        FileStatus st = fs.getFileStatus(p);
        return st.isDirectory() && fs.listStatus(p).length == 0;
    }

    public static void deleteLocal(java.nio.file.Path p) {
        try {
            AtomicFiles.deleteRecursively(p);
        } catch (IOException ignored) {
            // temporary files: best effort
        }
    }
}
