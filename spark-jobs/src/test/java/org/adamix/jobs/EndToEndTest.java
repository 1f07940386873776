package org.adamix.jobs;

import org.adamix.jobs.cli.TrainCommand;
import org.adamix.jobs.train.TrainJob;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** train → merge → evaluate → predict on local[2] with MiniLM and an IMDB sample. */
class EndToEndTest {
    static JavaSparkContext sc;
    @TempDir
    static Path tmp;

    @BeforeAll
    static void start() {
        sc = SparkTests.local2();
    }

    @AfterAll
    static void stop() {
        if (sc != null) sc.stop();
    }

    @Test
    void trainMergeEvaluatePredict() throws Exception {
        Path data = tmp.resolve("data");
        Path train = TestData.imdb("train", 400, data), dev = TestData.imdb("dev", 200, data);
        Path out = tmp.resolve("run");
        long t0 = System.nanoTime();
        TrainCommand cmd = new TrainCommand();
        TestData.Run r = TestData.run(cmd, "--backbone", TestData.minilm().toString(), "--train", train.toString(),
                "--dev", dev.toString(), "--method", "adamix-adapter", "--workers", "2", "--batch-size", "8",
                "--local-steps", "4", "--epochs", "2", "--lr", "2e-3", "--max-length", "64", "--rank", "8",
                "--output", out.toString());
        System.out.printf("train: %.1f s%n", (System.nanoTime() - t0) / 1e9);
        assertEquals(0, r.code(), r.err());
        TrainJob.Result res = cmd.result();
        assertTrue(res.complete());
        for (String f : new String[] {"mixture/adamix_config.json", "mixture/adapter_model.safetensors", "metrics.jsonl",
                "curves.png", "labels.json", "summary.json", "_SUCCESS"})
            assertTrue(Files.exists(out.resolve(f)), f);
        assertTrue(res.traffic().stream().allMatch(t -> t.withinBudget()), res.traffic().toString());
        assertTrue(res.dev().get("accuracy") > 0.7, "dev " + res.dev());
    }
}
