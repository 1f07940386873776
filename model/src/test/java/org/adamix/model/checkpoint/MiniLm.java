package org.adamix.model.checkpoint;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real all-MiniLM-L6-v2 ONNX export, fetched by bin/fetch-minilm. Tests need it and fail (not
 * skip) when it is absent, so a missing download is never mistaken for a pass.
 */
final class MiniLm {

    private static Backbone cached;
    private static double loadMillis;

    private MiniLm() {}

    static Path dir() {
        String prop = System.getProperty("adamix.minilm.dir");
        return prop != null && !prop.isBlank() ? Path.of(prop) : repoRoot().resolve("data/minilm");
    }

    static Path onnxFile() {
        Path f = dir().resolve("model.onnx");
        if (!Files.isRegularFile(f))
            fail(
                    "MiniLM ONNX model not found at "
                            + f.toAbsolutePath()
                            + ": run bin/fetch-minilm (or point -Dadamix.minilm.dir at a folder holding model.onnx)");
        return f;
    }

    /** Loaded once per test JVM; the first load's wall time is kept for the report. */
    static synchronized Backbone backbone() throws IOException {
        if (cached == null) {
            Path f = onnxFile();
            long t0 = System.nanoTime();
            cached = OnnxBackboneReader.read(f);
            loadMillis = (System.nanoTime() - t0) / 1e6;
            System.out.printf("MiniLM ONNX load (cold JVM): %.0f ms%n", loadMillis);
        }
        return cached;
    }

    private static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        for (Path q = p; q != null; q = q.getParent()) {
            if (Files.exists(q.resolve(".git")) && Files.exists(q.resolve("bin"))) return q;
        }
        return p.getParent() != null ? p.getParent() : p; // tests run in <repo>/model
    }
}
