package org.adamix.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.adamix.jobs.cli.TrainCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input fails on the driver, before Spark starts: one clear line, exit code 2, nothing written.
 */
class BadInputTest {
    @TempDir Path tmp;

    TestData.Run train(Path out, String... more) {
        List<String> a = new ArrayList<>(List.of("--output", out.toString(), "--workers", "2"));
        a.addAll(List.of(more));
        TestData.Run r = TestData.run(new TrainCommand(), a.toArray(String[]::new));
        return r;
    }

    void assertOneLineFailure(TestData.Run r, Path out, String expected) {
        assertEquals(2, r.code(), r.err());
        List<String> errors =
                r.err().lines().filter(l -> l.startsWith("adamix train: error:")).toList();
        assertEquals(1, errors.size(), r.err());
        assertTrue(errors.get(0).contains(expected), errors.get(0));
        assertFalse(Files.exists(out), "nothing written under " + out);
    }

    @Test
    void missingTrainingData() throws Exception {
        Path out = tmp.resolve("out");
        TestData.Run r =
                train(
                        out,
                        "--backbone",
                        TestData.minilm().toString(),
                        "--train",
                        tmp.resolve("nope.jsonl").toString());
        assertOneLineFailure(r, out, "input path does not exist");
    }

    @Test
    void missingBackbone() throws Exception {
        Path out = tmp.resolve("out");
        Path data = TestData.imdb("train", 10, tmp);
        assertOneLineFailure(
                train(
                        out,
                        "--backbone",
                        tmp.resolve("no-model").toString(),
                        "--train",
                        data.toString()),
                out,
                "backbone does not exist");
    }

    /**
     * A worker whose loss turns NaN/Inf fails its task with a clear message; nothing is averaged in
     * or finished.
     */
    @Test
    void divergingWorkerFailsTheJob() throws Exception {
        Path data = TestData.imdb("train", 16, tmp.resolve("data"));
        Path out = tmp.resolve("out-diverged");
        TestData.Run r =
                train(
                        out,
                        "--backbone",
                        TestData.minilm().toString(),
                        "--train",
                        data.toString(),
                        "--labels",
                        "neg,pos",
                        "--lr",
                        "1e38",
                        "--warmup",
                        "0",
                        "--weight-decay",
                        "0",
                        "--batch-size",
                        "4",
                        "--local-steps",
                        "4",
                        "--max-length",
                        "16",
                        "--rank",
                        "4",
                        "--experts",
                        "2",
                        "--master",
                        "local[2]");
        assertEquals(1, r.code(), r.err());
        List<String> errors =
                r.err().lines().filter(l -> l.startsWith("adamix train: error:")).toList();
        assertEquals(1, errors.size(), r.err());
        assertTrue(errors.get(0).contains("the round is not averaged in"), errors.get(0));
        assertFalse(Files.exists(out.resolve("_SUCCESS")), "a failed job leaves no _SUCCESS");
        assertFalse(Files.exists(out.resolve("mixture")), "no final model from a diverged run");
    }

    @Test
    void malformedRow() throws Exception {
        Path out = tmp.resolve("out");
        Path data = TestData.imdb("train", 10, tmp);
        List<String> lines = new ArrayList<>(Files.readAllLines(data));
        lines.set(3, "{\"id\": \"x\", \"text\": \"unterminated");
        Files.write(data, lines);
        assertOneLineFailure(
                train(
                        out,
                        "--backbone",
                        TestData.minilm().toString(),
                        "--train",
                        data.toString(),
                        "--labels",
                        "neg,pos"),
                out,
                "train.jsonl");
    }

    @Test
    void labelNotInTheList() throws Exception {
        Path out = tmp.resolve("out");
        Path data = TestData.imdb("train", 10, tmp);
        assertOneLineFailure(
                train(
                        out,
                        "--backbone",
                        TestData.minilm().toString(),
                        "--train",
                        data.toString(),
                        "--labels",
                        "good,bad"),
                out,
                "is not one of");
    }

    @Test
    void truncatedBackbone() throws Exception {
        Path out = tmp.resolve("out");
        Path data = TestData.imdb("train", 10, tmp);
        Path model = Files.createDirectories(tmp.resolve("minilm-truncated"));
        try (InputStream in = Files.newInputStream(TestData.minilm().resolve("model.onnx"))) {
            Files.write(model.resolve("model.onnx"), in.readNBytes(1 << 20));
        }
        Files.copy(TestData.minilm().resolve("tokenizer.json"), model.resolve("tokenizer.json"));
        assertOneLineFailure(
                train(out, "--backbone", model.toString(), "--train", data.toString()),
                out,
                "cannot be loaded");
    }

    @Test
    void incoherentOptions() throws Exception {
        Path out = tmp.resolve("out");
        Path data = TestData.imdb("train", 10, tmp);
        assertOneLineFailure(
                train(
                        out,
                        "--backbone",
                        TestData.minilm().toString(),
                        "--train",
                        data.toString(),
                        "--share",
                        "both"),
                out,
                "--share");
        assertOneLineFailure(
                train(
                        out,
                        "--backbone",
                        TestData.minilm().toString(),
                        "--train",
                        data.toString(),
                        "--max-length",
                        "100000"),
                out,
                "--max-length");
        String[][] recipe = {
            {"--head", "first", "--head"},
            {"--consistency", "kl", "--consistency"},
            {"--lora-dropout", "1.5", "LoRA dropout"},
            {"--max-grad-norm", "-1", "--max-grad-norm"},
            {"--select-by", "pearson", "--select-by pearson"},
            {"--select-by", "bleu", "--select-by bleu"},
            {"--lora-alpha", "0", "--lora-alpha"},
            {"--expert-init", "same", "--expert-init"}
        };
        for (String[] c : recipe)
            assertOneLineFailure(
                    train(
                            out,
                            "--backbone",
                            TestData.minilm().toString(),
                            "--train",
                            data.toString(),
                            "--dev",
                            data.toString(),
                            "--method",
                            c[0].startsWith("--lora") ? "lora" : "adamix-adapter",
                            c[0],
                            c[1]),
                    out,
                    c[2]);
    }

    @Test
    void dryRunChecksEverythingAndWritesNothing() throws Exception {
        Path out = tmp.resolve("out");
        Path data = TestData.imdb("train", 10, tmp);
        TestData.Run r =
                train(
                        out,
                        "--backbone",
                        TestData.minilm().toString(),
                        "--train",
                        data.toString(),
                        "--dry-run");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("dry run"), r.out());
        assertFalse(Files.exists(out));
    }
}
