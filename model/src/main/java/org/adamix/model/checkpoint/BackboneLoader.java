package org.adamix.model.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Loads a backbone from whatever is at a path: a Hugging Face folder (config.json +
 * model.safetensors, preferred because its config is explicit), a folder with model.onnx, or an
 * .onnx file.
 */
public final class BackboneLoader {

    private BackboneLoader() {}

    public static Backbone load(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            if (Files.isRegularFile(path.resolve(HfFolderReader.CONFIG))
                    && Files.isRegularFile(path.resolve(HfFolderReader.WEIGHTS)))
                return HfFolderReader.read(path);
            if (Files.isRegularFile(path.resolve(OnnxBackboneReader.MODEL_FILE)))
                return OnnxBackboneReader.read(path.resolve(OnnxBackboneReader.MODEL_FILE));
            throw new CheckpointException(
                    path,
                    "no backbone found: expected "
                            + HfFolderReader.CONFIG
                            + " + "
                            + HfFolderReader.WEIGHTS
                            + " (Hugging Face folder) or "
                            + OnnxBackboneReader.MODEL_FILE);
        }
        if (Files.isRegularFile(path) && path.getFileName().toString().endsWith(".onnx"))
            return OnnxBackboneReader.read(path);
        if (!Files.exists(path)) throw new CheckpointException(path, "does not exist");
        throw new CheckpointException(path, "not a backbone: expected a folder or an .onnx file");
    }
}
