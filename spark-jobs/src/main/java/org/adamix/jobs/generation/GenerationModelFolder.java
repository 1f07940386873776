package org.adamix.jobs.generation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Map;
import org.adamix.jobs.spark.FsPaths;
import org.adamix.jobs.spark.JobInputException;
import org.adamix.jobs.spark.Weights;
import org.adamix.model.AdaptationConfig;
import org.adamix.model.OptimizerConfig;
import org.adamix.model.checkpoint.Safetensors;
import org.adamix.model.decoder.Gpt2LmModel;
import org.adamix.model.layers.ParamSpec;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A trained generation model as {@code train --task generation} writes it ({@code model/} or, for
 * adapter methods, {@code merged/}: {@code generation.json} + {@code trainable.safetensors}), read
 * back onto its backbone: the spec and the trainable vector, every tensor checked by name and
 * shape.
 */
public record GenerationModelFolder(GenerationSpec spec, Weights weights, String folder) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** {@code uri}: a run's output (its model/ is read) or a model/ or merged/ folder itself. */
    public static GenerationModelFolder load(
            String uri, GenerationBackbone backbone, Configuration conf) throws IOException {
        Path p = new Path(uri);
        FileSystem fs = p.getFileSystem(conf);
        if (!fs.exists(new Path(p, "generation.json"))) p = new Path(p, "model");
        Path json = new Path(p, "generation.json"), weights = new Path(p, "trainable.safetensors");
        if (!fs.exists(json) || !fs.exists(weights))
            throw new JobInputException(
                    "--model "
                            + uri
                            + ": no generation.json and trainable.safetensors (a train --task"
                            + " generation output, its model/ or merged/)");
        JsonNode g = JSON.readTree(FsPaths.read(json, conf));
        if (!"generation".equals(g.path("task").asText()))
            throw new JobInputException(json + ": not a generation model");
        AdaptationConfig a = JSON.treeToValue(g.get("adaptation"), AdaptationConfig.class);
        GenerationSpec spec =
                new GenerationSpec(
                        a,
                        OptimizerConfig.adam(1e-3),
                        g.path("label_smoothing").asDouble(0),
                        g.path("seed").asLong(0));
        java.nio.file.Path local = Files.createTempDirectory("adamix-generation-model-");
        try {
            java.nio.file.Path file = FsPaths.copyToLocal(weights, local, conf);
            Map<String, INDArray> tensors = Safetensors.read(file).tensors();
            Gpt2LmModel m = spec.build(backbone.backbone());
            long expected = m.tensors().specs().stream().filter(ParamSpec::trainable).count();
            if (tensors.size() != expected)
                throw new JobInputException(
                        weights
                                + ": "
                                + tensors.size()
                                + " tensors, the model of generation.json on this backbone trains "
                                + expected);
            for (ParamSpec s : m.tensors().specs()) {
                if (!s.trainable()) continue;
                INDArray t = tensors.get(s.key());
                if (t == null) throw new JobInputException(weights + ": '" + s.key() + "' missing");
                if (!Arrays.equals(t.shape(), s.shape()))
                    throw new JobInputException(
                            weights
                                    + ": '"
                                    + s.key()
                                    + "' has shape "
                                    + Arrays.toString(t.shape())
                                    + ", the backbone needs "
                                    + Arrays.toString(s.shape()));
                m.tensors().value(s.key()).assign(t);
            }
            return new GenerationModelFolder(spec, Weights.of(m), p.toString());
        } finally {
            FsPaths.deleteLocal(local);
        }
    }
}
