package org.adamix.jobs.spark;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.adamix.datasets.tokenize.Tokenizer;
import org.adamix.datasets.tokenize.Tokenizers;

/**
 * A tokenizer rebuilt from the bytes of its files (tokenizer.json, or vocab.txt, or vocab.json +
 * merges.txt).
 */
public final class TokenizerFiles {
    private TokenizerFiles() {}

    public static Tokenizer load(Map<String, byte[]> files) throws IOException {
        if (files.containsKey("tokenizer.json"))
            return Tokenizers.fromJson(new ByteArrayInputStream(files.get("tokenizer.json")));
        Path dir = Files.createTempDirectory("adamix-tokenizer-");
        try {
            for (Map.Entry<String, byte[]> e : files.entrySet())
                Files.write(dir.resolve(e.getKey()), e.getValue());
            return Tokenizers.load(dir);
        } finally {
            FsPaths.deleteLocal(dir);
        }
    }
}
