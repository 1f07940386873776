package org.adamix.model.export;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.adamix.model.AdaMixModel;
import org.adamix.model.AdaptationConfig;
import org.adamix.model.HeadConfig;
import org.adamix.model.Method;
import org.adamix.model.OptimizerConfig;
import org.adamix.model.checkpoint.Backbone;
import org.adamix.model.checkpoint.CheckpointException;
import org.adamix.model.checkpoint.HfFolderReader;
import org.adamix.model.checkpoint.Safetensors;
import org.adamix.model.io.AdapterCheckpoint;
import org.adamix.model.names.GraphNames;
import org.adamix.model.names.HeadNames;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Loads a folder written by {@link MergedModelWriter} back into an {@link AdaMixModel} that
 * computes what the exported model computed: method {@link Method#NONE} with the head restored
 * (folded methods), or the merged adapter checkpoint on the folder's backbone (adapter methods).
 * The loaded model is for inference; its optimizer is a default Adam.
 */
public final class MergedModelLoader {

    /** The model and its class names in label-index order. */
    public record MergedModel(AdaMixModel model, List<String> labels, String trainedMethod) {}

    private MergedModelLoader() {}

    public static MergedModel load(Path dir) throws IOException {
        Path configFile = dir.resolve(MergedModelWriter.CONFIG);
        JsonNode root = readConfig(configFile);
        JsonNode a = root.get("adamix");
        if (a == null || !a.isObject())
            throw new CheckpointException(
                    configFile,
                    "no 'adamix' section: not a merged model written by this project "
                            + "(a plain backbone folder loads with BackboneLoader)");
        int version = a.path("format_version").asInt(-1);
        if (version != MergedModelWriter.FORMAT_VERSION)
            throw new CheckpointException(
                    configFile,
                    "adamix.format_version "
                            + version
                            + " is not "
                            + MergedModelWriter.FORMAT_VERSION);
        HeadConfig head;
        try {
            head =
                    new HeadConfig(
                            requiredInt(configFile, a, "num_labels"),
                            a.path("regression").asBoolean(),
                            pooling(configFile, a));
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(configFile, "invalid head: " + e.getMessage());
        }
        List<String> labels = labels(configFile, root, head.numLabels());
        String trainedMethod = a.path("trained_method").asText("");

        Backbone backbone = HfFolderReader.read(dir);
        if (a.hasNonNull("adapter")) {
            AdaMixModel m =
                    AdapterCheckpoint.load(dir.resolve(a.get("adapter").asText()), backbone);
            // the adapter checkpoint keeps the regression target scale, which the folder's config
            // does not need
            if (!m.head().withTargetScale(0, 1).equals(head))
                throw new CheckpointException(
                        configFile,
                        "head " + head + " differs from the adapter checkpoint's " + m.head());
            return new MergedModel(m, labels, trainedMethod);
        }

        AdaMixModel m =
                AdaMixModel.build(
                        backbone,
                        AdaptationConfig.of(Method.NONE, 0),
                        head,
                        OptimizerConfig.adam(1e-3),
                        0);
        HeadNames hn = HeadNames.of(backbone.config());
        Path weights = dir.resolve(MergedModelWriter.WEIGHTS);
        List<String> wanted = new ArrayList<>(List.of(hn.classifierWeight(), hn.classifierBias()));
        if (head.pooler()) wanted.addAll(List.of(hn.poolerWeight(), hn.poolerBias()));
        Map<String, INDArray> t = Safetensors.read(weights, wanted::contains).tensors();
        long h = backbone.config().hiddenSize(), c = head.numLabels();
        INDArray w = tensor(weights, t, hn.classifierWeight(), c, h);
        INDArray b = tensor(weights, t, hn.classifierBias(), c);
        m.layer(GraphNames.CLASSIFIER).getParam("W").assign(w.transpose());
        m.layer(GraphNames.CLASSIFIER).getParam("b").assign(b.reshape(1, c));
        if (head.pooler()
                && m.layer(GraphNames.POOLER).getParam("dense.weight")
                        != null) { // else the backbone's, frozen
            m.layer(GraphNames.POOLER)
                    .getParam("dense.weight")
                    .assign(tensor(weights, t, hn.poolerWeight(), h, h));
            m.layer(GraphNames.POOLER)
                    .getParam("dense.bias")
                    .assign(tensor(weights, t, hn.poolerBias(), h));
        }
        return new MergedModel(m, labels, trainedMethod);
    }

    /**
     * The head's pooling ("pooling"; folders written before it say only whether a pooler was used).
     */
    private static HeadConfig.Pooling pooling(Path configFile, JsonNode a)
            throws CheckpointException {
        if (!a.has("pooling"))
            return a.path("pooler").asBoolean()
                    ? HeadConfig.Pooling.POOLER
                    : HeadConfig.Pooling.CLS;
        try {
            return HeadConfig.Pooling.of(a.path("pooling").asText());
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(configFile, "adamix.pooling: " + e.getMessage());
        }
    }

    private static JsonNode readConfig(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new CheckpointException(file, "not found");
        try {
            JsonNode root = MergedModelWriter.JSON.readTree(file.toFile());
            if (root == null || !root.isObject())
                throw new CheckpointException(file, "malformed JSON: expected an object");
            return root;
        } catch (JacksonException e) {
            throw new CheckpointException(file, "malformed JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static int requiredInt(Path file, JsonNode node, String field)
            throws CheckpointException {
        JsonNode v = node.get(field);
        if (v == null || !v.canConvertToInt())
            throw new CheckpointException(file, "adamix." + field + " missing or not an integer");
        return v.asInt();
    }

    private static List<String> labels(Path file, JsonNode root, int n) throws CheckpointException {
        JsonNode id2label = root.get("id2label");
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            JsonNode v = id2label == null ? null : id2label.get(Integer.toString(i));
            if (v == null || !v.isTextual())
                throw new CheckpointException(file, "id2label has no name for class " + i);
            out.add(v.asText());
        }
        return out;
    }

    private static INDArray tensor(Path file, Map<String, INDArray> t, String name, long... shape)
            throws CheckpointException {
        INDArray x = t.get(name);
        if (x == null) throw new CheckpointException(file, name, "missing (the head needs it)");
        if (!Arrays.equals(x.shape(), shape))
            throw new CheckpointException(
                    file,
                    name,
                    "shape " + Arrays.toString(x.shape()) + ", expected " + Arrays.toString(shape));
        return x;
    }
}
