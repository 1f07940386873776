package org.adamix.jobs.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.adamix.jobs.spark.FsPaths;
import org.adamix.jobs.spark.JobInputException;
import org.adamix.jobs.spark.Weights;
import org.adamix.model.AdaMixModel;
import org.adamix.model.checkpoint.Backbone;
import org.adamix.model.io.AdapterCheckpoint;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code checkpoints/round-NNNNNN/}: an {@link AdapterCheckpoint} with Adam's state, plus {@code
 * progress.json} (rounds done, the run's identity, the metrics so far), and {@link Manifest} last.
 * Saved locally, copied to the output file system under a temporary name and renamed. A checkpoint
 * can still be torn afterwards (a file lost or truncated), so resuming verifies it against its
 * manifest and falls back to the one before.
 */
public final class Checkpoints {
    private static final Logger LOG = LoggerFactory.getLogger(Checkpoints.class);
    public static final String DIR = "checkpoints";
    static final String PROGRESS = "progress.json";
    private static final String PREFIX = CheckpointFolders.PREFIX;
    static final String BEST = "best";
    static final String SELECTION = "selection.json";

    private final Path dir;
    private final Configuration conf;

    public Checkpoints(Path output, Configuration conf) {
        this.dir = new Path(output, DIR);
        this.conf = conf;
    }

    public record Restored(Weights weights, int roundsDone, MetricsLog metrics) {}

    public void save(
            AdaMixModel driverModel,
            Weights w,
            int roundsDone,
            ObjectNode identity,
            MetricsLog metrics,
            List<String> labels,
            int keep)
            throws IOException {
        w.loadInto(driverModel);
        java.nio.file.Path tmp = Files.createTempDirectory("adamix-ckpt-");
        try {
            java.nio.file.Path local = tmp.resolve("ckpt");
            AdapterCheckpoint.save(driverModel, local, true, labels);
            ObjectNode p = MetricsLog.JSON.createObjectNode();
            p.put("rounds_done", roundsDone);
            p.set("run", identity);
            p.put("metrics", metrics.toJsonLines());
            Files.writeString(local.resolve(PROGRESS), p.toPrettyString());
            Manifest.write(local);
            FsPaths.publishFolder(
                    local, new Path(dir, String.format(PREFIX + "%06d", roundsDone)), conf);
        } finally {
            FsPaths.deleteLocal(tmp);
        }
        List<Path> all = list();
        FileSystem fs = dir.getFileSystem(conf);
        for (int i = 0; i < all.size() - keep; i++) fs.delete(all.get(i), true);
    }

    /**
     * {@code checkpoints/best/}: the weights of the best dev epoch so far ({@link BestRound}),
     * without Adam's state, and {@code selection.json} saying by which metric, its value, round and
     * epoch.
     */
    public void saveBest(AdaMixModel driverModel, BestRound best, List<String> labels)
            throws IOException {
        best.weights().loadInto(driverModel);
        java.nio.file.Path tmp = Files.createTempDirectory("adamix-best-");
        try {
            java.nio.file.Path local = tmp.resolve("best");
            AdapterCheckpoint.save(driverModel, local, false, labels);
            Files.writeString(local.resolve(SELECTION), selection(best).toPrettyString());
            Manifest.write(local);
            FsPaths.publishFolder(local, new Path(dir, BEST), conf);
        } finally {
            FsPaths.deleteLocal(tmp);
        }
    }

    /** What summary.json and selection.json say about the selection. */
    static ObjectNode selection(BestRound best) {
        ObjectNode n = MetricsLog.JSON.createObjectNode();
        n.put("by", best.metric());
        n.put("value", best.value());
        n.put("round", best.round());
        n.put("epoch", best.epoch());
        n.put("step", best.weights().step());
        n.putPOJO("dev", best.dev());
        return n;
    }

    /**
     * Restores the selection saved by {@link #saveBest} into {@code best}; false when there is none
     * yet.
     */
    public boolean restoreBest(Backbone backbone, BestRound best) throws IOException {
        Path b = new Path(dir, BEST);
        FsPaths.restoreAside(b, conf);
        if (!dir.getFileSystem(conf).exists(b)) return false;
        java.nio.file.Path tmp = Files.createTempDirectory("adamix-best-");
        try {
            CheckpointFolders.Verified v = CheckpointFolders.verifiedCopy(b, tmp, conf);
            // the selected weights exist nowhere else: no fallback that would give a different
            // model
            if (v.problem() != null)
                throw new JobInputException(
                        "--resume: "
                                + b
                                + " (the best dev epoch so far) is damaged: "
                                + v.problem());
            java.nio.file.Path local = v.local();
            JsonNode sel = MetricsLog.JSON.readTree(local.resolve(SELECTION).toFile());
            if (!best.metric().equals(sel.path("by").asText()))
                throw new JobInputException(
                        "--resume: "
                                + b
                                + " selected by "
                                + sel.path("by").asText()
                                + ", now --select-by "
                                + best.metric());
            AdaMixModel m = AdapterCheckpoint.load(local, backbone);
            Map<String, Double> dev = new java.util.TreeMap<>();
            sel.path("dev")
                    .fields()
                    .forEachRemaining(e -> dev.put(e.getKey(), e.getValue().asDouble()));
            best.restore(
                    Weights.of(m),
                    sel.path("value").asDouble(),
                    sel.path("round").asInt(),
                    sel.path("epoch").asInt(),
                    dev);
            return true;
        } finally {
            FsPaths.deleteLocal(tmp);
        }
    }

    /** Complete checkpoints, oldest first. */
    public List<Path> list() throws IOException {
        return CheckpointFolders.list(dir, conf);
    }

    /**
     * The newest checkpoint that verifies against its manifest (a WARN names what was wrong with
     * each newer one), or null when there is none at all. Fails with one line when checkpoints
     * exist but none verifies, when the newest good one belongs to another run configuration, or
     * when it claims more rounds than {@code plannedRounds}.
     */
    public Restored latest(Backbone backbone, ObjectNode identity, int plannedRounds)
            throws IOException {
        return CheckpointFolders.newestVerified(
                dir,
                conf,
                // resuming without Adam's state would silently train a different model
                local ->
                        Files.isRegularFile(local.resolve(AdapterCheckpoint.OPTIMIZER))
                                ? null
                                : "no " + AdapterCheckpoint.OPTIMIZER + " (Adam's state)",
                (ckpt, local) -> restore(ckpt, local, backbone, identity, plannedRounds));
    }

    private Restored restore(
            Path ckpt,
            java.nio.file.Path local,
            Backbone backbone,
            ObjectNode identity,
            int plannedRounds)
            throws IOException {
        JsonNode p = MetricsLog.JSON.readTree(local.resolve(PROGRESS).toFile());
        String changed = difference(p.get("run"), identity);
        if (changed != null)
            throw new JobInputException(
                    "--resume: checkpoint " + ckpt + " was made with other settings: " + changed);
        int roundsDone = p.path("rounds_done").asInt(-1);
        if (roundsDone < 1 || roundsDone > plannedRounds)
            throw new JobInputException(
                    "--resume: checkpoint "
                            + ckpt
                            + " has rounds_done "
                            + p.get("rounds_done")
                            + ", but this run plans "
                            + plannedRounds
                            + " rounds");
        AdaMixModel m = AdapterCheckpoint.load(local, backbone);
        if (m.updaterState() == null)
            throw new JobInputException(
                    "--resume: checkpoint " + ckpt + " has no optimizer state for this model");
        Weights w =
                new Weights(
                        Weights.flat(m.trainableParams()),
                        Weights.flat(m.updaterState()),
                        m.step());
        return new Restored(w, roundsDone, MetricsLog.parse(p.get("metrics").asText()));
    }

    /**
     * The first setting that differs, as "name: was X, now Y", or null when the identities are
     * equal.
     */
    static String difference(JsonNode was, ObjectNode now) {
        if (was == null || !was.isObject()) return "no run identity in " + PROGRESS;
        if (was.toString().equals(now.toString()))
            return null; // as text: 3 read back is an int, the seed a long
        java.util.Set<String> keys = new java.util.LinkedHashSet<>();
        now.fieldNames().forEachRemaining(keys::add);
        was.fieldNames().forEachRemaining(keys::add);
        for (String k : keys)
            if (!String.valueOf(was.get(k)).equals(String.valueOf(now.get(k))))
                return k + ": was " + was.get(k) + ", now " + now.get(k);
        return "was " + was + ", now " + now;
    }
}
