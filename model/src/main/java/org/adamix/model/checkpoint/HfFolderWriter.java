package org.adamix.model.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Writes a backbone as a Hugging Face folder (config.json + model.safetensors, bare BERT names) that
 * transformers' *Model.from_pretrained loads. The folder appears complete or not at all: it is
 * written next to its destination under a temporary name and then renamed into place.
 */
public final class HfFolderWriter {

    private HfFolderWriter() {}

    public static void write(Backbone backbone, Path dir) throws IOException {
        BackboneValidator.validate(backbone);
        Path target = dir.toAbsolutePath().normalize();
        if (Files.exists(target) && !Files.isDirectory(target))
            throw new CheckpointException(target, "exists and is not a directory");
        Path parent = target.getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempDirectory(parent, "." + target.getFileName() + ".tmp");
        Path old = null;
        try {
            Files.write(tmp.resolve(HfFolderReader.CONFIG), HfConfigJson.toJson(backbone.config()));
            Safetensors.write(tmp.resolve(HfFolderReader.WEIGHTS), backbone.tensors(), Map.of("format", "pt"));
            if (Files.exists(target)) {
                // a directory cannot be renamed over a non-empty one: move the old one aside first
                old = parent.resolve("." + target.getFileName() + ".old" + System.nanoTime());
                Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
            }
            AtomicFiles.move(tmp, target);
        } finally {
            deleteRecursively(tmp);
            if (old != null) deleteRecursively(old);
        }
    }

    private static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        }
    }
}
