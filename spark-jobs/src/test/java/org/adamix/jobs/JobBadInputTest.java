package org.adamix.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.adamix.jobs.cli.EvaluateCommand;
import org.adamix.jobs.cli.MergeCommand;
import org.adamix.jobs.cli.PredictCommand;
import org.adamix.model.checkpoint.Safetensors;
import org.adamix.model.io.AdapterCheckpoint;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Bad input to merge, evaluate and predict fails on the driver before any executor work: exit code
 * 2, one line naming the file and line, tensor or option, nothing written under --output (or in the
 * run). (train: {@link BadInputTest}; encode: {@code EncodeTest}.)
 */
class JobBadInputTest {
    @TempDir static Path tmp;
    static Path run, runWithoutLabels, runWithThreeLabels, runMissingTensor, dev;
    static String missingTensor;

    @BeforeAll
    static void fixtures() throws Exception {
        run = TestData.untrainedRun(tmp.resolve("run"), List.of("neg", "pos"));
        runWithoutLabels = TestData.untrainedRun(tmp.resolve("run-no-labels"), null);
        runWithThreeLabels =
                TestData.untrainedRun(tmp.resolve("run-3-labels"), List.of("neg", "pos", "mixed"));
        runMissingTensor =
                TestData.untrainedRun(tmp.resolve("run-missing-tensor"), List.of("neg", "pos"));
        Path weights = runMissingTensor.resolve("mixture/" + AdapterCheckpoint.WEIGHTS);
        Map<String, INDArray> tensors = new LinkedHashMap<>(Safetensors.read(weights).tensors());
        missingTensor = tensors.keySet().iterator().next();
        tensors.remove(missingTensor);
        Safetensors.write(weights, tensors, Map.of());
        dev = TestData.imdb("dev", 6, tmp.resolve("data"));
    }

    static TestData.Run run(Object command, String... args) {
        List<String> a = new ArrayList<>(List.of("--backbone", TestData.minilm().toString()));
        a.addAll(List.of(args));
        return TestData.run(command, a.toArray(String[]::new));
    }

    /**
     * Exit code 2, exactly one error line and it contains every expected part; the output and the
     * runs unchanged.
     */
    static void assertBadInput(String command, TestData.Run r, Path output, String... expected)
            throws Exception {
        assertEquals(2, r.code(), r.err());
        List<String> errors = r.err().lines().filter(l -> l.contains("error")).toList();
        assertEquals(1, errors.size(), r.err());
        assertTrue(errors.get(0).startsWith("adamix " + command + ": error: "), errors.get(0));
        for (String e : expected)
            assertTrue(errors.get(0).contains(e), "'" + e + "' in: " + errors.get(0));
        assertFalse(Files.exists(output), "nothing written under " + output);
        for (Path p : List.of(run, runWithoutLabels, runWithThreeLabels, runMissingTensor))
            assertEquals(
                    List.of(
                            "",
                            "mixture",
                            "mixture/" + AdapterCheckpoint.CONFIG,
                            "mixture/" + AdapterCheckpoint.WEIGHTS),
                    TestData.tree(p),
                    "nothing new in " + p);
    }

    static Path malformed(String name, int line) throws Exception {
        List<String> lines = new ArrayList<>(Files.readAllLines(dev));
        lines.set(line - 1, "{\"id\": \"x\", \"text\": \"unterminated");
        return Files.write(tmp.resolve("data").resolve(name), lines);
    }

    @Test
    void merge() throws Exception {
        Path out = tmp.resolve("merge-out");
        Path none = tmp.resolve("no-run");
        assertBadInput(
                "merge",
                run(
                        new MergeCommand(),
                        "--model",
                        none.toString(),
                        "--output",
                        out.toString(),
                        "--master",
                        "local[1]"),
                out,
                "model does not exist",
                none.toString());
        assertBadInput(
                "merge",
                run(
                        new MergeCommand(),
                        "--model",
                        runMissingTensor.toString(),
                        "--output",
                        out.toString(),
                        "--master",
                        "local[1]"),
                out,
                runMissingTensor.resolve("mixture/" + AdapterCheckpoint.WEIGHTS).toString(),
                "tensor '" + missingTensor + "'",
                "missing tensor");
    }

    /** evaluate with {@code args}, its --output under {@code eval-out/} and local[1]. */
    static void assertEvaluateFails(List<String> args, String... expected) throws Exception {
        Path out = tmp.resolve("eval-out/eval.json");
        List<String> a = new ArrayList<>(args);
        a.addAll(List.of("--output", out.toString(), "--master", "local[1]"));
        if (!args.contains("--max-length")) a.addAll(List.of("--max-length", "16"));
        assertBadInput(
                "evaluate",
                run(new EvaluateCommand(), a.toArray(String[]::new)),
                out.getParent(),
                expected);
    }

    @Test
    void evaluate() throws Exception {
        String r = run.toString(), d = dev.toString();
        assertEvaluateFails(
                List.of("--model", r, "--data", tmp.resolve("nope.jsonl").toString()),
                "nope.jsonl",
                "does not exist");
        assertEvaluateFails(
                List.of("--model", r, "--data", malformed("eval-bad.jsonl", 4).toString()),
                "eval-bad.jsonl at line 4");
        List<String> lines = new ArrayList<>(Files.readAllLines(dev));
        lines.set(1, lines.get(1).replaceAll("\"label\":\"(neg|pos)\"", "\"label\":\"great\""));
        Path unknown = Files.write(tmp.resolve("data/unknown-label.jsonl"), lines);
        assertEvaluateFails(
                List.of("--model", r, "--data", unknown.toString()),
                "unknown-label.jsonl at line 2",
                "'great' is not one of");
        assertEvaluateFails(
                List.of("--model", runMissingTensor.toString(), "--data", d),
                runMissingTensor.resolve("mixture/" + AdapterCheckpoint.WEIGHTS).toString(),
                "tensor '" + missingTensor + "'");
        // --max-length against the backbone's positions (MiniLM: 512)
        assertEvaluateFails(
                List.of("--model", r, "--data", d, "--max-length", "513"),
                "--max-length 513",
                "512");
        // the trained head against the data's labels
        assertEvaluateFails(
                List.of(
                        "--model",
                        runWithoutLabels.toString(),
                        "--data",
                        d,
                        "--labels",
                        "neg,pos,mixed"),
                "--labels neg,pos,mixed: 3 labels",
                "has 2 classes");
        assertEvaluateFails(
                List.of("--model", runWithoutLabels.toString(), "--data", d),
                "has no label list",
                "--labels");
        assertEvaluateFails(
                List.of("--model", r, "--data", d, "--task", "regression"),
                "classification head",
                "--task regression");
        assertEvaluateFails(
                List.of("--model", runWithThreeLabels.toString(), "--data", d),
                runWithThreeLabels.resolve("mixture/" + AdapterCheckpoint.CONFIG).toString(),
                "3 labels",
                "2 classes");
    }

    @Test
    void predict() throws Exception {
        Path out = tmp.resolve("predict-out");
        assertBadInput(
                "predict",
                run(
                        new PredictCommand(),
                        "--model",
                        run.toString(),
                        "--input",
                        tmp.resolve("nope.jsonl").toString(),
                        "--output",
                        out.toString(),
                        "--master",
                        "local[1]"),
                out,
                "nope.jsonl",
                "does not exist");
        assertBadInput(
                "predict",
                run(
                        new PredictCommand(),
                        "--model",
                        run.toString(),
                        "--input",
                        malformed("predict-bad.jsonl", 2).toString(),
                        "--output",
                        out.toString(),
                        "--master",
                        "local[1]"),
                out,
                "predict-bad.jsonl at line 2");
        assertBadInput(
                "predict",
                run(
                        new PredictCommand(),
                        "--model",
                        run.toString(),
                        "--input",
                        dev.toString(),
                        "--output",
                        out.toString(),
                        "--max-length",
                        "100000"),
                out,
                "--max-length 100000",
                "512");
        assertBadInput(
                "predict",
                run(
                        new PredictCommand(),
                        "--model",
                        runWithThreeLabels.toString(),
                        "--input",
                        dev.toString(),
                        "--output",
                        out.toString()),
                out,
                runWithThreeLabels.resolve("mixture/" + AdapterCheckpoint.CONFIG).toString(),
                "3 labels",
                "2 classes");
        assertBadInput(
                "predict",
                run(
                        new PredictCommand(),
                        "--model",
                        runMissingTensor.toString(),
                        "--input",
                        dev.toString(),
                        "--output",
                        out.toString()),
                out,
                runMissingTensor.resolve("mixture/" + AdapterCheckpoint.WEIGHTS).toString(),
                "tensor '" + missingTensor + "'");
    }
}
