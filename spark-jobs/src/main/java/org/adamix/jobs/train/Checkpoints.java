package org.adamix.jobs.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.adamix.jobs.spark.FsPaths;
import org.adamix.jobs.spark.JobInputException;
import org.adamix.model.AdaMixModel;
import org.adamix.model.checkpoint.Backbone;
import org.adamix.model.io.AdapterCheckpoint;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code checkpoints/round-NNNNNN/}: an {@link AdapterCheckpoint} with Adam's state, plus
 * {@code progress.json} (rounds done, the run's identity, the metrics so far). Saved locally, copied to
 * the output file system under a temporary name and renamed, so a listed checkpoint is always complete.
 */
public final class Checkpoints {
    public static final String DIR = "checkpoints";
    static final String PROGRESS = "progress.json";
    private static final String PREFIX = "round-";
    static final String BEST = "best";
    static final String SELECTION = "selection.json";

    private final Path dir;
    private final Configuration conf;

    public Checkpoints(Path output, Configuration conf) {
        this.dir = new Path(output, DIR);
        this.conf = conf;
    }

    public record Restored(Weights weights, int roundsDone, MetricsLog metrics) {}

    public void save(AdaMixModel driverModel, Weights w, int roundsDone, ObjectNode identity, MetricsLog metrics,
                     List<String> labels, int keep) throws IOException {
        WorkerRound.load(driverModel, w);
        java.nio.file.Path tmp = Files.createTempDirectory("adamix-ckpt-");
        try {
            java.nio.file.Path local = tmp.resolve("ckpt");
            AdapterCheckpoint.save(driverModel, local, true, labels);
            ObjectNode p = MetricsLog.JSON.createObjectNode();
            p.put("rounds_done", roundsDone);
            p.set("run", identity);
            p.put("metrics", metrics.toJsonLines());
            Files.writeString(local.resolve(PROGRESS), p.toPrettyString());
            FsPaths.publishFolder(local, new Path(dir, String.format(PREFIX + "%06d", roundsDone)), conf);
        } finally {
            FsPaths.deleteLocal(tmp);
        }
        List<Path> all = list();
        FileSystem fs = dir.getFileSystem(conf);
        for (int i = 0; i < all.size() - keep; i++) fs.delete(all.get(i), true);
    }

    /**
     * {@code checkpoints/best/}: the weights of the best dev epoch so far ({@link BestRound}), without
     * Adam's state, and {@code selection.json} saying by which metric, its value, round and epoch.
     */
    public void saveBest(AdaMixModel driverModel, BestRound best, List<String> labels) throws IOException {
        WorkerRound.load(driverModel, best.weights());
        java.nio.file.Path tmp = Files.createTempDirectory("adamix-best-");
        try {
            java.nio.file.Path local = tmp.resolve("best");
            AdapterCheckpoint.save(driverModel, local, false, labels);
            Files.writeString(local.resolve(SELECTION), selection(best).toPrettyString());
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

    /** Restores the selection saved by {@link #saveBest} into {@code best}; false when there is none yet. */
    public boolean restoreBest(Backbone backbone, BestRound best) throws IOException {
        Path b = new Path(dir, BEST);
        if (!dir.getFileSystem(conf).exists(b)) return false;
        java.nio.file.Path tmp = Files.createTempDirectory("adamix-best-");
        try {
            java.nio.file.Path local = FsPaths.copyToLocal(b, tmp, conf);
            JsonNode sel = MetricsLog.JSON.readTree(local.resolve(SELECTION).toFile());
            if (!best.metric().equals(sel.path("by").asText()))
                throw new JobInputException("--resume: " + b + " selected by " + sel.path("by").asText() + ", now --select-by " + best.metric());
            AdaMixModel m = AdapterCheckpoint.load(local, backbone);
            Map<String, Double> dev = new java.util.TreeMap<>();
            sel.path("dev").fields().forEachRemaining(e -> dev.put(e.getKey(), e.getValue().asDouble()));
            best.restore(new Weights(WorkerRound.flat(m.trainableParams()), null, m.step()), sel.path("value").asDouble(),
                    sel.path("round").asInt(), sel.path("epoch").asInt(), dev);
            return true;
        } finally {
            FsPaths.deleteLocal(tmp);
        }
    }

    /** Complete checkpoints, oldest first. */
    public List<Path> list() throws IOException {
        FileSystem fs = dir.getFileSystem(conf);
        List<Path> out = new ArrayList<>();
        if (!fs.exists(dir)) return out;
        for (FileStatus s : fs.listStatus(dir))
            if (s.isDirectory() && s.getPath().getName().startsWith(PREFIX)) out.add(s.getPath());
        out.sort((a, b) -> a.getName().compareTo(b.getName()));
        return out;
    }

    /** The last complete checkpoint, or null when there is none; fails if it belongs to another run configuration. */
    public Restored latest(Backbone backbone, ObjectNode identity) throws IOException {
        List<Path> all = list();
        if (all.isEmpty()) return null;
        Path last = all.get(all.size() - 1);
        java.nio.file.Path tmp = Files.createTempDirectory("adamix-resume-");
        try {
            java.nio.file.Path local = FsPaths.copyToLocal(last, tmp, conf);
            JsonNode p = MetricsLog.JSON.readTree(local.resolve(PROGRESS).toFile());
            if (p.get("run") == null || !identity.toString().equals(p.get("run").toString()))
                throw new JobInputException("--resume: checkpoint " + last + " was made with other settings: "
                        + p.get("run") + " (now " + identity + ")");
            AdaMixModel m = AdapterCheckpoint.load(local, backbone);
            float[] state = m.updaterState() == null ? null : WorkerRound.flat(m.updaterState());
            Weights w = new Weights(WorkerRound.flat(m.trainableParams()), state, m.step());
            return new Restored(w, p.get("rounds_done").asInt(), MetricsLog.parse(p.get("metrics").asText()));
        } finally {
            FsPaths.deleteLocal(tmp);
        }
    }
}
