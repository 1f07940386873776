package org.adamix.jobs.train;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.adamix.jobs.cli.Failures;
import org.adamix.jobs.spark.FsPaths;
import org.adamix.jobs.spark.JobInputException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code round-NNNNNN} folders under a run's {@code checkpoints/}, for the encoder's and the
 * decoder's training alike: listing, and finding the newest one that verifies against its {@link
 * Manifest} (falling back past torn ones with a WARN each).
 */
public final class CheckpointFolders {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointFolders.class);
    public static final String PREFIX = "round-";

    private CheckpointFolders() {}

    /** Reads a verified local copy; may still refuse it with a JobInputException. */
    public interface Restore<T> {
        T from(Path checkpoint, java.nio.file.Path local) throws IOException;
    }

    /** What else a complete checkpoint must hold (null: nothing missing). */
    public interface Check {
        String problem(java.nio.file.Path local);
    }

    /** A checkpoint copied to local disk, and what is wrong with it (null: nothing). */
    public record Verified(java.nio.file.Path local, String problem) {}

    /** Copies {@code ckpt} into {@code tmp} and checks it against its manifest. */
    public static Verified verifiedCopy(Path ckpt, java.nio.file.Path tmp, Configuration conf) {
        try {
            java.nio.file.Path local = FsPaths.copyToLocal(ckpt, tmp, conf);
            return new Verified(local, Manifest.problem(local));
        } catch (IOException e) { // e.g. a checksum error on a truncated file
            return new Verified(null, "cannot be read: " + Failures.firstLine(e));
        }
    }

    /** Checkpoint folders, oldest first. */
    public static List<Path> list(Path dir, Configuration conf) throws IOException {
        FileSystem fs = dir.getFileSystem(conf);
        List<Path> out = new ArrayList<>();
        if (!fs.exists(dir)) return out;
        for (FileStatus s : fs.listStatus(dir))
            if (s.isDirectory() && s.getPath().getName().startsWith(PREFIX)) out.add(s.getPath());
        out.sort((a, b) -> a.getName().compareTo(b.getName()));
        return out;
    }

    /**
     * The newest checkpoint that verifies and passes {@code check}, restored; null when there is
     * none at all; one line (exit 2) when there are some but none is complete.
     */
    public static <T> T newestVerified(
            Path dir, Configuration conf, Check check, Restore<T> restore) throws IOException {
        List<Path> all = list(dir, conf);
        if (all.isEmpty()) return null;
        List<String> problems = new ArrayList<>();
        for (int i = all.size() - 1; i >= 0; i--) {
            Path ckpt = all.get(i);
            java.nio.file.Path tmp = Files.createTempDirectory("adamix-resume-");
            try {
                Verified v = verifiedCopy(ckpt, tmp, conf);
                java.nio.file.Path local = v.local();
                String problem = v.problem();
                if (problem == null) problem = check.problem(local);
                if (problem == null) return restore.from(ckpt, local);
                LOG.warn(
                        "--resume: checkpoint {} is torn ({}); trying the one before",
                        ckpt,
                        problem);
                problems.add(ckpt.getName() + ": " + problem);
            } finally {
                FsPaths.deleteLocal(tmp);
            }
        }
        throw new JobInputException(
                "--resume: no checkpoint in "
                        + dir
                        + " is complete ("
                        + String.join("; ", problems)
                        + "); start again in a new --output");
    }
}
