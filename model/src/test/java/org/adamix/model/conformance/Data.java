package org.adamix.model.conformance;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Real material fetched by bin/fetch-minilm and bin/fetch-imdb; missing files fail the test (never
 * skip it).
 */
final class Data {

    private Data() {}

    static Path repoRoot() {
        for (Path q = Path.of("").toAbsolutePath(); q != null; q = q.getParent())
            if (Files.exists(q.resolve(".git")) && Files.isDirectory(q.resolve("bin"))) return q;
        Path p = Path.of("").toAbsolutePath();
        return p.getParent() != null ? p.getParent() : p; // tests run in <repo>/model
    }

    static Path miniLmDir() {
        String prop = System.getProperty("adamix.minilm.dir");
        Path dir =
                prop != null && !prop.isBlank() ? Path.of(prop) : repoRoot().resolve("data/minilm");
        for (String f : List.of("model.onnx", "tokenizer.json"))
            if (!Files.isRegularFile(dir.resolve(f)))
                fail(
                        "MiniLM file not found at "
                                + dir.resolve(f).toAbsolutePath()
                                + ": run bin/fetch-minilm");
        return dir;
    }

    /** The first {@code n} review texts of the IMDB dev split. */
    static List<String> imdbDevTexts(int n) throws IOException {
        Path f = repoRoot().resolve("data/imdb/dev.jsonl");
        if (!Files.isRegularFile(f))
            fail("IMDB dev split not found at " + f.toAbsolutePath() + ": run bin/fetch-imdb");
        ObjectMapper json = new ObjectMapper();
        List<String> out = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
            for (String line; out.size() < n && (line = r.readLine()) != null; ) {
                JsonNode o = json.readTree(line);
                out.add(o.get("text").asText());
            }
        }
        if (out.size() < n) fail(f + " has only " + out.size() + " lines, need " + n);
        return out;
    }
}
