package org.adamix.jobs;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.adamix.jobs.cli.TrainCommand;
import org.adamix.model.AdaMixModel;
import org.adamix.model.AdaptationConfig;
import org.adamix.model.HeadConfig;
import org.adamix.model.Method;
import org.adamix.model.OptimizerConfig;
import org.adamix.model.checkpoint.Backbone;
import org.adamix.model.checkpoint.BackboneLoader;
import org.adamix.model.io.AdapterCheckpoint;
import picocli.CommandLine;

/**
 * Real material for the Spark job tests: MiniLM (bin/fetch-minilm) and IMDB samples
 * (bin/fetch-imdb).
 */
final class TestData {
    private TestData() {}

    static Path repoRoot() {
        for (Path q = Path.of("").toAbsolutePath(); q != null; q = q.getParent())
            if (Files.exists(q.resolve(".git")) && Files.exists(q.resolve("bin"))) return q;
        throw new IllegalStateException("repository root not found");
    }

    static Path minilm() {
        Path d = repoRoot().resolve("data/minilm");
        if (!Files.isRegularFile(d.resolve("model.onnx")))
            fail("MiniLM not found at " + d + ": run bin/fetch-minilm");
        return d;
    }

    /** The first {@code n} rows of an IMDB split, as a JSON Lines file in {@code dir}. */
    static Path imdb(String split, int n, Path dir) throws IOException {
        Path src = repoRoot().resolve("data/imdb/" + split + ".jsonl");
        if (!Files.isRegularFile(src)) fail("IMDB not found at " + src + ": run bin/fetch-imdb");
        List<String> lines = new ArrayList<>();
        try (var r = Files.newBufferedReader(src)) {
            for (String l; lines.size() < n && (l = r.readLine()) != null; ) lines.add(l);
        }
        Files.createDirectories(dir);
        Path out = dir.resolve(split + ".jsonl");
        Files.write(out, lines);
        return out;
    }

    /** Runs a subcommand in this JVM; returns exit code, stdout and stderr. */
    record Run(int code, String out, String err, Object command) {}

    static Run run(Object command, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        PrintStream oldOut = System.out, oldErr = System.err;
        int code;
        try {
            System.setOut(new PrintStream(out, true));
            System.setErr(new PrintStream(err, true));
            code = new CommandLine(command).execute(args);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        Run r = new Run(code, out.toString(), err.toString(), command);
        oldOut.print(r.out());
        oldErr.print(r.err());
        return r;
    }

    static TrainCommand train() {
        return new TrainCommand();
    }

    private static Backbone minilmBackbone;

    /** MiniLM, loaded once per JVM. */
    static synchronized Backbone minilmBackbone() throws IOException {
        if (minilmBackbone == null) minilmBackbone = BackboneLoader.load(minilm());
        return minilmBackbone;
    }

    /**
     * A small train output without training: {@code dir/mixture/} holds an untrained AdaMix adapter
     * (M = 2, r = 4) on MiniLM with a 2-class head, and {@code labels} (null: none) in its config.
     */
    static Path untrainedRun(Path dir, List<String> labels) throws IOException {
        AdaMixModel m =
                AdaMixModel.build(
                        minilmBackbone(),
                        AdaptationConfig.of(Method.ADAMIX_ADAPTER, 4).withExperts(2),
                        HeadConfig.classification(2),
                        OptimizerConfig.adam(1e-3),
                        7);
        AdapterCheckpoint.save(m, dir.resolve("mixture"), false, labels);
        return dir;
    }

    /**
     * Every path under {@code dir} (itself included), relative, sorted: to check that a failed job
     * wrote nothing.
     */
    static List<String> tree(Path dir) throws IOException {
        if (!Files.exists(dir)) return List.of();
        try (var s = Files.walk(dir)) {
            return s.map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }
}
