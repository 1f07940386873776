package org.adamix.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletionService;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.adamix.jobs.cli.TrainCommand;
import org.adamix.jobs.spark.OutputLock;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * One writer per output: {@code _LOCK}, taken atomically, naming its holder, released however the
 * run ends.
 */
class OutputLockTest {
    static JavaSparkContext sc;
    @TempDir static Path tmp;
    static Path backbone, train, dev;

    @BeforeAll
    static void start() throws Exception {
        sc = SparkTests.local2();
        backbone = TinyFixture.backbone(tmp.resolve("tiny-bert"));
        train = TinyFixture.data(tmp.resolve("data/train.jsonl"), "train-", 32, 1);
        dev = TinyFixture.data(tmp.resolve("data/dev.jsonl"), "dev-", 16, 2);
    }

    @AfterAll
    static void stop() {
        if (sc != null) sc.stop();
    }

    static String[] args(Path out, String... more) {
        return TinyFixture.trainArgs(backbone, train, dev, out, 2, more);
    }

    record Attempt(int code, TrainCommand cmd) {}

    /**
     * Two trains on one output at once, as a zombie attempt and its Airflow retry (both --resume):
     * the first to take the lock holds it until the other has failed, with exit 2 and the holder's
     * line; the winner's output is complete and equals a run that had the output to itself, bit for
     * bit.
     */
    @Test
    void twoConcurrentTrainsOnOneOutput() throws Exception {
        TrainCommand solo = new TrainCommand();
        assertEquals(0, TestData.run(solo, args(tmp.resolve("solo"))).code());

        Path out = tmp.resolve("contested");
        CountDownLatch loserDone = new CountDownLatch(1);
        OutputLock.afterAcquire =
                () -> {
                    try {
                        loserDone.await(120, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                };
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream oldErr = System.err;
        ExecutorService pool = Executors.newFixedThreadPool(2);
        Attempt first, second;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            CompletionService<Attempt> runs = new ExecutorCompletionService<>(pool);
            for (int i = 0; i < 2; i++)
                runs.submit(
                        () -> {
                            TrainCommand c = new TrainCommand();
                            return new Attempt(
                                    new CommandLine(c).execute(args(out, "--resume")), c);
                        });
            Future<Attempt> f = runs.poll(180, TimeUnit.SECONDS);
            assertNotNull(f, "neither train finished");
            first = f.get();
            loserDone.countDown();
            f = runs.poll(180, TimeUnit.SECONDS);
            assertNotNull(f, "the lock holder did not finish");
            second = f.get();
        } finally {
            OutputLock.afterAcquire = () -> {};
            loserDone.countDown();
            System.setErr(oldErr);
            pool.shutdownNow();
        }
        String e = err.toString(StandardCharsets.UTF_8);
        oldErr.print(e);
        assertEquals(2, first.code(), "the second writer is refused: " + e);
        assertEquals(0, second.code(), "the lock holder finishes: " + e);
        List<String> errors = e.lines().filter(l -> l.startsWith("adamix train: error:")).toList();
        assertEquals(1, errors.size(), e);
        String line = errors.get(0);
        assertTrue(
                line.contains("is in use by another job")
                        && line.contains("pid " + ProcessHandle.current().pid())
                        && line.contains("application " + sc.sc().applicationId())
                        && line.contains("--break-lock"),
                line);

        for (String f :
                List.of(
                        "_SUCCESS",
                        "summary.json",
                        "metrics.jsonl",
                        "mixture/adapter_model.safetensors",
                        "checkpoints/best")) assertTrue(Files.exists(out.resolve(f)), f);
        assertFalse(Files.exists(out.resolve(OutputLock.NAME)), "the lock is released at the end");
        assertEquals(
                TestData.tree(tmp.resolve("solo")).stream()
                        .filter(p -> !p.contains(".crc"))
                        .toList(),
                TestData.tree(out).stream().filter(p -> !p.contains(".crc")).toList(),
                "the same files as a run alone");
        assertArrayEquals(
                solo.result().weights().params(), second.cmd().result().weights().params());
        assertArrayEquals(
                Files.readAllBytes(tmp.resolve("solo/mixture/adapter_model.safetensors")),
                Files.readAllBytes(out.resolve("mixture/adapter_model.safetensors")));
    }

    /**
     * A lock left by a dead job stops the next one with the holder's line; only --break-lock takes
     * over.
     */
    @Test
    void staleLockNeedsBreakLock() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("stale"));
        Files.writeString(
                out.resolve(OutputLock.NAME),
                "{\"host\": \"node7\", \"pid\": 4242, \"application_id\": "
                        + "\"application_1_0001\", \"started\": \"2024-05-01T10:00:00Z\", \"token\": \"x\"}\n");
        TestData.Run r = TestData.run(new TrainCommand(), args(out, "--resume"));
        assertEquals(2, r.code(), r.err());
        assertTrue(
                r.err()
                        .contains(
                                "host node7, pid 4242, application application_1_0001, started 2024-05-01T10:00:00Z"),
                r.err());
        assertEquals(List.of("", OutputLock.NAME), TestData.tree(out), "nothing else touched");

        r =
                TestData.run(
                        new TrainCommand(),
                        args(out, "--resume", "--break-lock", "--run-id", "dag-run#2-ab12"));
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.exists(out.resolve("_SUCCESS")));
        assertTrue(
                Files.readString(out.resolve("summary.json"))
                        .contains("\"run_id\" : \"dag-run#2-ab12\""),
                "the attempt's id for the sensor");
        assertFalse(Files.exists(out.resolve(OutputLock.NAME)));
    }

    /** A run that fails after taking the lock releases it. */
    @Test
    void failedRunReleasesTheLock() throws Exception {
        Path out = tmp.resolve("failing");
        TestData.Run r = TestData.run(new TrainCommand(), args(out, "--max-rounds", "2"));
        assertEquals(0, r.code(), r.err());
        r = TestData.run(new TrainCommand(), args(out, "--resume", "--warmup", "0.1"));
        assertEquals(2, r.code(), "other settings are refused: " + r.err());
        assertTrue(r.err().contains("other settings"), r.err());
        assertFalse(Files.exists(out.resolve(OutputLock.NAME)), "released after the failure");
        assertEquals(
                0,
                TestData.run(new TrainCommand(), args(out, "--resume")).code(),
                "and the run can continue");
    }

    /**
     * --run-id: each job names the attempt in the file its Airflow sensor reads (summary.json,
     * merge.json, eval.json).
     */
    @Test
    void jobsWriteTheAttemptIdForTheSensors() throws Exception {
        Path out = tmp.resolve("attempts");
        assertEquals(
                0, TestData.run(new TrainCommand(), args(out, "--run-id", "run-1#1-aa")).code());
        assertEquals(
                0,
                TestData.run(
                                new org.adamix.jobs.cli.MergeCommand(),
                                "--model",
                                out.toString(),
                                "--backbone",
                                backbone.toString(),
                                "--run-id",
                                "run-1#1-bb")
                        .code());
        assertEquals(
                0,
                TestData.run(
                                new org.adamix.jobs.cli.EvaluateCommand(),
                                "--model",
                                out.toString(),
                                "--backbone",
                                backbone.toString(),
                                "--data",
                                dev.toString(),
                                "--max-length",
                                "16",
                                "--run-id",
                                "run-1#1-cc")
                        .code());
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        assertEquals(
                "run-1#1-aa",
                json.readTree(out.resolve("summary.json").toFile()).get("run_id").asText());
        assertEquals(
                "run-1#1-bb",
                json.readTree(out.resolve("merge.json").toFile()).get("run_id").asText());
        assertEquals(
                "run-1#1-cc",
                json.readTree(out.resolve("eval.json").toFile()).get("run_id").asText());
    }
}
