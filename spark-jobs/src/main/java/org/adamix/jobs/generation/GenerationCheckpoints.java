package org.adamix.jobs.generation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.adamix.jobs.spark.FsPaths;
import org.adamix.jobs.spark.JobInputException;
import org.adamix.jobs.spark.Weights;
import org.adamix.jobs.train.CheckpointFolders;
import org.adamix.jobs.train.Manifest;
import org.adamix.model.checkpoint.Safetensors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code checkpoints/round-NNNNNN/} of a generation run: the weights, Adam's state and step ({@code
 * weights.safetensors}: {@code params}, {@code state}), the best dev epoch's weights so far, and
 * {@code progress.json} (rounds done, the run's settings, metrics so far, the best dev loss and
 * epoch), with a {@code MANIFEST.json} of sizes and SHA-256, published atomically; the newest
 * {@code keep} are kept. {@code --resume} continues from the newest one that verifies, and only
 * with the settings it was made with.
 */
final class GenerationCheckpoints {
    private static final Logger LOG = LoggerFactory.getLogger(GenerationCheckpoints.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String DIR = "checkpoints", PREFIX = CheckpointFolders.PREFIX;
    static final String WEIGHTS = "weights.safetensors", PROGRESS = "progress.json";

    private final Path dir;
    private final Configuration conf;

    GenerationCheckpoints(Path output, Configuration conf) {
        this.dir = new Path(output, DIR);
        this.conf = conf;
    }

    /** Where a run stands: enough to continue it exactly. */
    record State(
            int roundsDone,
            Weights weights,
            Weights best,
            double bestDev,
            int bestEpoch,
            ArrayNode metrics) {}

    void save(State s, ObjectNode identity, int keep) throws IOException {
        java.nio.file.Path tmp = Files.createTempDirectory("adamix-gen-ckpt-");
        try {
            java.nio.file.Path local = tmp.resolve("ckpt");
            Files.createDirectories(local);
            Map<String, INDArray> t = new LinkedHashMap<>();
            t.put("params", Nd4j.createFromArray(s.weights().params()));
            if (s.weights().state() != null)
                t.put("state", Nd4j.createFromArray(s.weights().state()));
            if (s.best() != null) t.put("best_params", Nd4j.createFromArray(s.best().params()));
            Safetensors.write(local.resolve(WEIGHTS), t, Map.of("format", "pt"));
            ObjectNode p = JSON.createObjectNode();
            p.put("rounds_done", s.roundsDone());
            p.put("step", s.weights().step());
            p.set("run", identity);
            p.set("metrics", s.metrics());
            if (s.best() != null) {
                p.put("best_dev_loss", s.bestDev());
                p.put("best_epoch", s.bestEpoch());
                p.put("best_step", s.best().step());
            }
            Files.writeString(local.resolve(PROGRESS), p.toPrettyString());
            Manifest.write(local);
            FsPaths.publishFolder(
                    local, new Path(dir, String.format(PREFIX + "%06d", s.roundsDone())), conf);
        } finally {
            FsPaths.deleteLocal(tmp);
        }
        List<Path> all = list();
        FileSystem fs = dir.getFileSystem(conf);
        for (int i = 0; i < all.size() - keep; i++) fs.delete(all.get(i), true);
    }

    /**
     * The newest checkpoint that verifies (a WARN for each torn newer one), or null when there is
     * none; one line and exit 2 when none verifies or the newest good one has other settings.
     */
    State latest(ObjectNode identity, int plannedRounds) throws IOException {
        return CheckpointFolders.newestVerified(
                dir,
                conf,
                local -> null,
                (ckpt, local) -> restore(ckpt, local, identity, plannedRounds));
    }

    private State restore(
            Path ckpt, java.nio.file.Path local, ObjectNode identity, int plannedRounds)
            throws IOException {
        JsonNode p = JSON.readTree(local.resolve(PROGRESS).toFile());
        if (!identity.equals(p.get("run")))
            throw new JobInputException(
                    "--resume: checkpoint "
                            + ckpt
                            + " was made with other settings: "
                            + difference(p.get("run"), identity));
        int done = p.path("rounds_done").asInt(-1);
        if (done < 1 || done > plannedRounds)
            throw new JobInputException(
                    "--resume: checkpoint "
                            + ckpt
                            + " has rounds_done "
                            + done
                            + ", but this run plans "
                            + plannedRounds
                            + " rounds");
        Map<String, INDArray> t = Safetensors.read(local.resolve(WEIGHTS)).tensors();
        long step = p.get("step").asLong();
        Weights w = new Weights(floats(t.get("params")), floats(t.get("state")), step);
        Weights best =
                t.containsKey("best_params")
                        ? new Weights(
                                floats(t.get("best_params")), null, p.get("best_step").asLong())
                        : null;
        return new State(
                done,
                w,
                best,
                best == null ? Double.POSITIVE_INFINITY : p.get("best_dev_loss").asDouble(),
                best == null ? -1 : p.get("best_epoch").asInt(),
                (ArrayNode) p.get("metrics"));
    }

    private static float[] floats(INDArray a) {
        return a == null ? null : a.data().asFloat();
    }

    /** "key: was X, now Y" for the first setting that differs. */
    static String difference(JsonNode was, JsonNode now) {
        for (var it = now.fields(); it.hasNext(); ) {
            var e = it.next();
            JsonNode w = was == null ? null : was.get(e.getKey());
            if (!e.getValue().equals(w)) return e.getKey() + ": was " + w + ", now " + e.getValue();
        }
        return "settings differ";
    }

    /** Checkpoint folders, oldest first. */
    List<Path> list() throws IOException {
        return CheckpointFolders.list(dir, conf);
    }
}
