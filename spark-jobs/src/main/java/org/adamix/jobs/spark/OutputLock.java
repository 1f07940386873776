package org.adamix.jobs.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Closeable;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code <output>/_LOCK}: one writer per output folder. Created with create(overwrite = false),
 * which on HDFS fails atomically when the file exists, and naming its holder (host, pid, Spark
 * application, start time), so that a zombie attempt and its retry cannot train into, and prune,
 * the same folder. Released on close; a lock left by a dead job is removed only on request ({@code
 * --break-lock}).
 */
public final class OutputLock implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(OutputLock.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String NAME = "_LOCK";

    /**
     * Runs right after a lock is taken (tests hold it there to start a competing writer); no-op
     * otherwise.
     */
    public static volatile Runnable afterAcquire = () -> {};

    private final FileSystem fs;
    private final Path output;
    private final Path file;
    private final String token;
    private final boolean createdOutput;
    private boolean released;

    private OutputLock(FileSystem fs, Path output, String token, boolean createdOutput) {
        this.fs = fs;
        this.output = output;
        this.file = new Path(output, NAME);
        this.token = token;
        this.createdOutput = createdOutput;
    }

    /**
     * Takes the lock of {@code output} (created if missing) for application {@code appId} (null:
     * none), or fails with a {@link JobInputException} naming the holder. With {@code breakLock} an
     * existing lock is deleted first, with a warning naming whose it was.
     */
    public static OutputLock acquire(
            Path output, Configuration conf, String appId, boolean breakLock) throws IOException {
        FileSystem fs = FsPaths.fs(output, conf);
        boolean created = !fs.exists(output);
        fs.mkdirs(output);
        String token = UUID.randomUUID().toString();
        ObjectNode holder = JSON.createObjectNode();
        holder.put("host", host());
        holder.put("pid", ProcessHandle.current().pid());
        holder.put("application_id", appId);
        holder.put("started", Instant.now().toString());
        holder.put("token", token);
        byte[] content = (holder + "\n").getBytes(StandardCharsets.UTF_8);
        Path file = new Path(output, NAME);
        if (!tryCreate(fs, file, content)) {
            if (!breakLock) throw new JobInputException(heldMessage(output, conf));
            LOG.warn("--break-lock: deleting {}, held by {}", file, describe(read(fs, file)));
            fs.delete(file, false);
            if (!tryCreate(fs, file, content))
                throw new JobInputException(heldMessage(output, conf));
        }
        OutputLock lock = new OutputLock(fs, output, token, created);
        afterAcquire.run();
        return lock;
    }

    /** True if {@code output} holds a lock (anyone's). */
    public static boolean isLocked(Path output, Configuration conf) throws IOException {
        return FsPaths.fs(output, conf).exists(new Path(output, NAME));
    }

    /** The one-line error for a locked output. */
    public static String heldMessage(Path output, Configuration conf) throws IOException {
        Path file = new Path(output, NAME);
        return "output "
                + output
                + " is in use by another job: "
                + describe(read(FsPaths.fs(output, conf), file))
                + " ("
                + file
                + "); if that job is dead, rerun with --break-lock";
    }

    /**
     * Atomic create-if-absent: HDFS's create(overwrite = false); on the local file system, which
     * checks and then creates, O_EXCL.
     */
    private static boolean tryCreate(FileSystem fs, Path file, byte[] content) throws IOException {
        File local = localFile(fs, file);
        if (local != null) {
            try {
                Files.write(
                        local.toPath(),
                        content,
                        StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE);
                return true;
            } catch (java.nio.file.FileAlreadyExistsException e) {
                return false;
            }
        }
        try (OutputStream out = fs.create(file, false)) {
            out.write(content);
            return true;
        } catch (IOException e) {
            if (fs.exists(file))
                return false; // FileAlreadyExistsException, or HDFS's AlreadyBeingCreated
            throw e;
        }
    }

    /**
     * The java.io file behind a local file system's path (under any scheme mapped to one), else
     * null.
     */
    private static File localFile(FileSystem fs, Path file) {
        if (fs instanceof LocalFileSystem l) return l.pathToFile(file);
        if (fs instanceof RawLocalFileSystem r) return r.pathToFile(file);
        return null;
    }

    private static JsonNode read(FileSystem fs, Path file) {
        try (var in = fs.open(file)) {
            return JSON.readTree(in.readAllBytes());
        } catch (IOException e) {
            return null; // gone, or still being written
        }
    }

    private static String describe(JsonNode h) {
        if (h == null || !h.isObject()) return "holder unknown";
        return String.format(
                "host %s, pid %s, application %s, started %s",
                h.path("host").asText("?"),
                h.path("pid").asText("?"),
                h.path("application_id").isTextual() ? h.path("application_id").asText() : "none",
                h.path("started").asText("?"));
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return ManagementFactory.getRuntimeMXBean().getName();
        }
    }

    /**
     * Deletes the lock if it is still this holder's (and the output folder, if this lock made it
     * and it stayed empty).
     */
    @Override
    public void close() throws IOException {
        if (released) return;
        released = true;
        JsonNode h = read(fs, file);
        if (h == null || !token.equals(h.path("token").asText())) {
            LOG.warn("{} is no longer this job's ({}); leaving it", file, describe(h));
            return;
        }
        fs.delete(file, false);
        if (createdOutput && fs.listStatus(output).length == 0) fs.delete(output, false);
    }
}
