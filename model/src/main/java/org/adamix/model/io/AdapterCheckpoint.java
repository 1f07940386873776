package org.adamix.model.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.adamix.model.AdaMixModel;
import org.adamix.model.AdaptationConfig;
import org.adamix.model.HeadConfig;
import org.adamix.model.Method;
import org.adamix.model.OptimizerConfig;
import org.adamix.model.checkpoint.AtomicFiles;
import org.adamix.model.checkpoint.Backbone;
import org.adamix.model.checkpoint.CheckpointException;
import org.adamix.model.checkpoint.Safetensors;
import org.adamix.model.names.GraphNames;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A trained model without its backbone: what a user keeps, ships and resumes from. A folder with
 *
 * <ul>
 *   <li>{@code adamix_config.json} — method, r, M, sharing, target modules, backbone identity (name
 *       + checksum + shape), task head, optimizer, seed, step;
 *   <li>{@code adapter_model.safetensors} — every trainable tensor, named {@code <sublayer>.<key>}
 *       (e.g. {@code layer3.ffn.adapter.ffn.down.weight}, experts stacked on dimension 0);
 *   <li>{@code optimizer.safetensors} — Adam's state, when saved for resuming.
 * </ul>
 *
 * Written into a temporary sibling folder and renamed ({@link AtomicFiles#writeDir}), so a reader
 * never sees half a checkpoint.
 */
public final class AdapterCheckpoint {
    public static final String CONFIG = "adamix_config.json";
    public static final String WEIGHTS = "adapter_model.safetensors";
    public static final String OPTIMIZER = "optimizer.safetensors";
    public static final int FORMAT_VERSION = 1;
    private static final ObjectMapper JSON =
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private AdapterCheckpoint() {}

    /** Everything in adamix_config.json. */
    public record Config(
            int formatVersion,
            AdaptationConfig adaptation,
            HeadConfig head,
            OptimizerConfig optimizer,
            long seed,
            long step,
            String backboneName,
            String backboneChecksum,
            org.adamix.model.BertConfig backboneConfig,
            List<String> targetModules,
            List<String> labels) {}

    /**
     * Writes the model (and its optimizer state if {@code withOptimizer}) to {@code dir}, replacing
     * it atomically.
     */
    public static void save(AdaMixModel model, Path dir, boolean withOptimizer, List<String> labels)
            throws IOException {
        AtomicFiles.writeDir(
                dir,
                tmp -> {
                    Backbone bb = model.backbone();
                    Config c =
                            new Config(
                                    FORMAT_VERSION,
                                    model.adaptation(),
                                    model.head(),
                                    model.optimizer(),
                                    model.seed(),
                                    model.step(),
                                    bb.name(),
                                    bb.checksum(),
                                    bb.config(),
                                    targetModules(model.adaptation().method()),
                                    labels);
                    JSON.writeValue(tmp.resolve(CONFIG).toFile(), c);
                    Map<String, String> meta =
                            Map.of("format", "adamix", "method", model.adaptation().method().id);
                    Safetensors.write(tmp.resolve(WEIGHTS), namedTrainables(model), meta);
                    INDArray state = model.updaterState();
                    if (withOptimizer && state != null)
                        Safetensors.write(
                                tmp.resolve(OPTIMIZER),
                                Map.of("adam.state", state.reshape(state.length()).dup()),
                                Map.of("step", Long.toString(model.step())));
                });
    }

    public static Config readConfig(Path dir) throws IOException {
        Path f = dir.resolve(CONFIG);
        if (!Files.isRegularFile(f))
            throw new CheckpointException(f, "no " + CONFIG + " (not an AdaMix checkpoint folder)");
        try {
            Config c = JSON.readValue(f.toFile(), Config.class);
            if (c.formatVersion() != FORMAT_VERSION)
                throw new CheckpointException(
                        f, "format version " + c.formatVersion() + " is not " + FORMAT_VERSION);
            return c;
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new CheckpointException(f, "malformed config: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Rebuilds the model on {@code backbone}, which must be the one it was trained on (checksum).
     */
    public static AdaMixModel load(Path dir, Backbone backbone) throws IOException {
        Config c = readConfig(dir);
        if (!c.backboneChecksum().equals(backbone.checksum()))
            throw new CheckpointException(
                    dir.resolve(CONFIG),
                    "trained on backbone '"
                            + c.backboneName()
                            + "' (sha256 "
                            + c.backboneChecksum()
                            + ") but given '"
                            + backbone.name()
                            + "' (sha256 "
                            + backbone.checksum()
                            + ")");
        AdaMixModel model =
                AdaMixModel.build(backbone, c.adaptation(), c.head(), c.optimizer(), c.seed());
        Path weights = dir.resolve(WEIGHTS);
        Map<String, INDArray> tensors = Safetensors.read(weights).tensors();
        Map<String, INDArray> expected = namedTrainables(model);
        for (Map.Entry<String, INDArray> e : expected.entrySet()) {
            INDArray src = tensors.get(e.getKey());
            if (src == null) throw new CheckpointException(weights, e.getKey(), "missing tensor");
            if (!Arrays.equals(src.shape(), e.getValue().shape()))
                throw new CheckpointException(
                        weights,
                        e.getKey(),
                        "shape "
                                + Arrays.toString(src.shape())
                                + " but the config implies "
                                + Arrays.toString(e.getValue().shape()));
        }
        for (String name : tensors.keySet())
            if (!expected.containsKey(name))
                throw new CheckpointException(
                        weights, name, "unexpected tensor for method " + c.adaptation().method());
        for (Map.Entry<String, INDArray> e : model.graph().paramTable().entrySet())
            e.getValue().assign(tensors.get(GraphNames.checkpointName(e.getKey())));
        model.setStep(c.step());
        Path opt = dir.resolve(OPTIMIZER);
        if (Files.exists(opt)) {
            INDArray state = Safetensors.read(opt).tensors().get("adam.state");
            model.initUpdater();
            INDArray target = model.updaterState();
            if (state == null || target == null || state.length() != target.length())
                throw new CheckpointException(
                        opt,
                        "adam.state",
                        "optimizer state does not match the model's "
                                + (target == null ? 0 : target.length())
                                + " values");
            target.assign(state.reshape(target.shape()));
        }
        return model;
    }

    /**
     * Trainable tensors by checkpoint name, as views of the model (copy before mutating the model).
     */
    public static Map<String, INDArray> namedTrainables(AdaMixModel model) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : model.graph().paramTable().entrySet())
            out.put(GraphNames.checkpointName(e.getKey()), e.getValue());
        return out;
    }

    static List<String> targetModules(Method m) {
        List<String> out = new ArrayList<>();
        if (m.lora()) out.addAll(List.of(GraphNames.QUERY, GraphNames.VALUE));
        if (m.adapterAtAttention()) out.add("attention.output");
        if (m.adapterAtFfn()) out.add("output");
        if (m == Method.FULL) out.add("all");
        return out;
    }
}
