package org.adamix.model.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.adamix.model.BertConfig;
import org.adamix.model.names.HfNames;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A Hugging Face model folder: {@code config.json} + {@code model.safetensors}. Accepts bare *Model
 * checkpoints and task checkpoints (prefixed {@code bert.} / {@code roberta.}); task heads and
 * buffers such as position_ids are not read.
 */
public final class HfFolderReader {

    public static final String CONFIG = "config.json";
    public static final String WEIGHTS = "model.safetensors";

    private HfFolderReader() {}

    public static Backbone read(Path dir) throws IOException {
        BertConfig config = HfConfigJson.read(dir.resolve(CONFIG));
        Path weights = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(weights)) throw new CheckpointException(weights, "not found");

        Safetensors.Contents contents =
                Safetensors.read(weights, name -> HfNames.canonical(name) != null);
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        Map<String, String> sourceName = new HashMap<>();
        for (Map.Entry<String, INDArray> e : contents.tensors().entrySet()) {
            String canonical = HfNames.canonical(e.getKey());
            String earlier = sourceName.putIfAbsent(canonical, e.getKey());
            if (earlier != null)
                throw new CheckpointException(
                        weights,
                        canonical,
                        "appears twice, as '" + earlier + "' and '" + e.getKey() + "'");
            tensors.put(canonical, e.getValue());
        }
        Backbone b =
                Backbone.of(
                        config, tensors, dir.toAbsolutePath().normalize().getFileName().toString());
        BackboneValidator.validate(b, weights);
        return b;
    }
}
