package org.adamix.model.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes a backbone as a Hugging Face folder (config.json + model.safetensors, bare BERT names)
 * that transformers' *Model.from_pretrained loads. The folder appears complete or not at all
 * ({@link AtomicFiles#writeDir}).
 */
public final class HfFolderWriter {

    private HfFolderWriter() {}

    public static void write(Backbone backbone, Path dir) throws IOException {
        BackboneValidator.validate(backbone);
        AtomicFiles.writeDir(
                dir,
                tmp -> {
                    Files.write(
                            tmp.resolve(HfFolderReader.CONFIG),
                            HfConfigJson.toJson(backbone.config()));
                    Safetensors.write(
                            tmp.resolve(HfFolderReader.WEIGHTS),
                            backbone.tensors(),
                            Map.of("format", "pt"));
                });
    }
}
