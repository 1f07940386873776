package org.adamix.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.adamix.jobs.cli.TrainCommand;
import org.adamix.jobs.train.TrainJob;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train → merge → evaluate → predict on local[2] with MiniLM and an IMDB sample. */
class EndToEndTest {
    static JavaSparkContext sc;
    @TempDir static Path tmp;

    @BeforeAll
    static void start() {
        sc = SparkTests.local2();
    }

    @AfterAll
    static void stop() {
        if (sc != null) sc.stop();
    }

    /**
     * The whole pipeline on a small sample with the default recipe: every output present, and dev
     * accuracy 0.1 above the majority class of this very dev sample (its standard error is ~0.035
     * at 200 rows).
     */
    @Test
    void trainMergeEvaluatePredict() throws Exception {
        pipeline(400, 200, 32, 2, 0.1);
    }

    /**
     * 1,000 training / 300 dev rows, max length 64, two epochs, as bin/quickstart; 0.2 above the
     * majority class.
     */
    @Test
    @org.junit.jupiter.api.Tag("slow")
    void learnsImdb() throws Exception {
        pipeline(1000, 300, 64, 2, 0.2);
    }

    /** The share of the most frequent label in a JSON Lines file with a "label" field. */
    static double majorityShare(Path jsonl) throws Exception {
        java.util.Map<String, Integer> counts = new java.util.HashMap<>();
        List<String> lines = Files.readAllLines(jsonl);
        for (String l : lines)
            counts.merge(
                    new com.fasterxml.jackson.databind.ObjectMapper()
                            .readTree(l)
                            .get("label")
                            .asText(),
                    1,
                    Integer::sum);
        return java.util.Collections.max(counts.values()) / (double) lines.size();
    }

    static void pipeline(
            int trainRows, int devRows, int maxLength, int epochs, double marginOverMajority)
            throws Exception {
        Path data = tmp.resolve("data-" + trainRows);
        Path train = TestData.imdb("train", trainRows, data),
                dev = TestData.imdb("dev", devRows, data);
        double majority = majorityShare(dev);
        Path out = tmp.resolve("run-" + trainRows);
        String bb = TestData.minilm().toString();
        long t0 = System.nanoTime();
        TrainCommand cmd = new TrainCommand();
        TestData.Run r =
                TestData.run(
                        cmd,
                        "--backbone",
                        bb,
                        "--train",
                        train.toString(),
                        "--dev",
                        dev.toString(),
                        "--method",
                        "adamix-adapter",
                        "--workers",
                        "2",
                        "--batch-size",
                        "8",
                        "--local-steps",
                        "4",
                        "--epochs",
                        "" + epochs,
                        "--max-length",
                        "" + maxLength,
                        "--output",
                        out.toString());
        System.out.printf("train: %.1f s%n", (System.nanoTime() - t0) / 1e9);
        assertEquals(0, r.code(), r.err());
        TrainJob.Result res = cmd.result();
        assertTrue(res.complete());
        for (String f :
                new String[] {
                    "mixture/adamix_config.json",
                    "mixture/adapter_model.safetensors",
                    "metrics.jsonl",
                    "curves.png",
                    "labels.json",
                    "summary.json",
                    "_SUCCESS"
                }) assertTrue(Files.exists(out.resolve(f)), f);
        assertFalse(
                res.traffic().isEmpty(), "no traffic recorded"); // allMatch holds on an empty list
        assertTrue(
                res.traffic().stream().allMatch(t -> t.withinBudget()), res.traffic().toString());
        assertTrue(
                res.dev().get("accuracy") >= majority + marginOverMajority,
                "dev " + res.dev() + ", majority class " + majority);
        var summary =
                new com.fasterxml.jackson.databind.ObjectMapper()
                        .readTree(out.resolve("summary.json").toFile());
        assertEquals(
                "accuracy",
                summary.at("/selected/by").asText(),
                "the best dev epoch is selected by default");
        assertEquals(res.dev().get("accuracy"), summary.at("/selected/value").asDouble(), 1e-12);
        // the selected round is the first epoch end with the best dev accuracy in metrics.jsonl
        double bestSeen = -1;
        int bestRound = -1;
        for (String l : Files.readAllLines(out.resolve("metrics.jsonl"))) {
            var row = new com.fasterxml.jackson.databind.ObjectMapper().readTree(l);
            if (row.has("dev_accuracy") && row.get("dev_accuracy").asDouble() > bestSeen) {
                bestSeen = row.get("dev_accuracy").asDouble();
                bestRound = row.get("round").asInt();
            }
        }
        assertEquals(bestRound, summary.at("/selected/round").asInt());
        assertEquals(bestSeen, summary.at("/selected/value").asDouble(), 1e-12);
        assertTrue(Files.readAllLines(out.resolve("metrics.jsonl")).size() == res.totalRounds());

        t0 = System.nanoTime();
        assertEquals(
                0,
                TestData.run(
                                new org.adamix.jobs.cli.MergeCommand(),
                                "--model",
                                out.toString(),
                                "--backbone",
                                bb)
                        .code());
        assertTrue(Files.exists(out.resolve("merged/adapter_model.safetensors")));
        // exports: the merged full model folder (backbone + merged adapter for adapter methods)
        assertTrue(Files.exists(out.resolve("full/config.json")), "full/ export");
        assertTrue(
                Files.isDirectory(out.resolve("full/adapter")),
                "adapters cannot be folded: merged adapter beside the backbone");
        assertTrue(Files.exists(out.resolve("_SUCCESS")));
        org.adamix.jobs.cli.EvaluateCommand ev = new org.adamix.jobs.cli.EvaluateCommand();
        assertEquals(
                0,
                TestData.run(
                                ev,
                                "--model",
                                out.toString(),
                                "--backbone",
                                bb,
                                "--data",
                                dev.toString(),
                                "--max-length",
                                "" + maxLength,
                                "--workers",
                                "2")
                        .code());
        assertTrue(Files.exists(out.resolve("eval.json")));
        // the merged model computes what the mixture computes in evaluation mode
        assertEquals(
                res.dev().get("accuracy"),
                ev.scores().get("accuracy"),
                1e-9,
                "merged vs mixture " + ev.scores());
        Path preds = tmp.resolve("predictions-" + trainRows);
        assertEquals(
                0,
                TestData.run(
                                new org.adamix.jobs.cli.PredictCommand(),
                                "--model",
                                out.toString(),
                                "--backbone",
                                bb,
                                "--input",
                                dev.toString(),
                                "--max-length",
                                "" + maxLength,
                                "--output",
                                preds.toString())
                        .code());
        assertTrue(Files.exists(preds.resolve("_SUCCESS")));
        long lines = 0;
        try (var files = Files.list(preds)) {
            for (Path p :
                    files.filter(p -> p.getFileName().toString().startsWith("part-")).toList()) {
                for (String l : Files.readAllLines(p)) {
                    assertTrue(l.contains("\"id\"") && l.contains("\"probabilities\""), l);
                    lines++;
                }
            }
        }
        assertEquals(devRows, lines);
        System.out.printf(
                "merge + evaluate + predict: %.1f s, eval %s%n",
                (System.nanoTime() - t0) / 1e9, ev.scores());
    }
}
