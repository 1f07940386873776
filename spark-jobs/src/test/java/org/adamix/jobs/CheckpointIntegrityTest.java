package org.adamix.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.adamix.jobs.cli.TrainCommand;
import org.adamix.jobs.train.Manifest;
import org.adamix.jobs.train.TrainJob;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Resuming trusts only what it can verify: checkpoints carry a manifest (size + SHA-256 of every
 * file), a torn one is skipped for the one before, none left is one clear error; the run's identity
 * covers the input files' sizes and times; a checkpoint cannot claim more rounds than the plan has.
 */
class CheckpointIntegrityTest {
    static JavaSparkContext sc;
    @TempDir static Path tmp;
    static Path backbone, train, dev;
    static TrainJob.Result full;
    static Path interrupted;
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void start() throws Exception {
        sc = SparkTests.local2();
        backbone = TinyFixture.backbone(tmp.resolve("tiny-bert"));
        train = TinyFixture.data(tmp.resolve("data/train.jsonl"), "train-", 32, 1);
        dev = TinyFixture.data(tmp.resolve("data/dev.jsonl"), "dev-", 16, 2);
        full = train(tmp.resolve("full"));
        interrupted = tmp.resolve("interrupted");
        TrainJob.Result part = train(interrupted, "--max-rounds", "5");
        assertEquals(5, part.roundsDone());
        assertTrue(full.totalRounds() > 5, "rounds left to resume: " + full.totalRounds());
    }

    @AfterAll
    static void stop() {
        if (sc != null) sc.stop();
    }

    static String[] args(Path out, String... more) {
        return TinyFixture.trainArgs(backbone, train, dev, out, 1, more);
    }

    static TrainJob.Result train(Path out, String... more) {
        TrainCommand cmd = new TrainCommand();
        TestData.Run r = TestData.run(cmd, args(out, more));
        assertEquals(0, r.code(), r.err());
        return cmd.result();
    }

    /** A copy of the interrupted run's output (with Hadoop's .crc files) to tear. */
    static Path copyOfInterrupted(String name) throws Exception {
        Path to = tmp.resolve(name);
        try (Stream<Path> s = Files.walk(interrupted)) {
            for (Path p : s.toList()) {
                Path q = to.resolve(interrupted.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(q);
                else Files.copy(p, q);
            }
        }
        return to;
    }

    static Path newest(Path out) throws Exception {
        try (Stream<Path> s = Files.list(out.resolve("checkpoints"))) {
            return s.filter(p -> p.getFileName().toString().startsWith("round-"))
                    .sorted()
                    .reduce((a, b) -> b)
                    .orElseThrow();
        }
    }

    static void dropCrc(Path file) throws Exception {
        Files.deleteIfExists(file.resolveSibling("." + file.getFileName() + ".crc"));
    }

    static void assertOneLine(TestData.Run r, String expected) {
        assertEquals(2, r.code(), r.err());
        List<String> errors =
                r.err().lines().filter(l -> l.startsWith("adamix train: error:")).toList();
        assertEquals(1, errors.size(), r.err());
        assertTrue(errors.get(0).contains(expected), errors.get(0));
    }

    /**
     * Every file of the newest checkpoint in turn deleted, truncated (Hadoop's local checksum then
     * fails the read) or truncated with its checksum gone too (as on HDFS: only the manifest
     * notices): --resume falls back to the checkpoint before and ends with the uninterrupted run's
     * weights and Adam state, bit for bit.
     */
    @Test
    void tornNewestCheckpointFallsBackToThePreviousOne() throws Exception {
        List<String> files;
        try (Stream<Path> s = Files.list(newest(interrupted))) {
            files =
                    s.map(p -> p.getFileName().toString())
                            .filter(n -> !n.startsWith("."))
                            .sorted()
                            .toList();
        }
        assertEquals(
                List.of(
                        "MANIFEST.json",
                        "adamix_config.json",
                        "adapter_model.safetensors",
                        "optimizer.safetensors",
                        "progress.json"),
                files);
        int n = 0;
        for (String f : files)
            for (String how : List.of("deleted", "truncated", "truncated-no-crc")) {
                if (how.equals("truncated") && !f.equals("adapter_model.safetensors"))
                    continue; // one checksum case is enough
                Path out = copyOfInterrupted("torn-" + n++);
                Path victim = newest(out).resolve(f);
                if (how.equals("deleted")) Files.delete(victim);
                else
                    Files.write(
                            victim,
                            java.util.Arrays.copyOf(
                                    Files.readAllBytes(victim), (int) Files.size(victim) / 2));
                if (how.equals("truncated-no-crc")) dropCrc(victim);
                TrainCommand cmd = new TrainCommand();
                TestData.Run r = TestData.run(cmd, args(out, "--resume"));
                assertEquals(0, r.code(), f + " " + how + ": " + r.err());
                TrainJob.Result resumed = cmd.result();
                assertTrue(resumed.complete(), f + " " + how);
                assertArrayEquals(
                        full.weights().params(), resumed.weights().params(), f + " " + how);
                assertArrayEquals(full.weights().state(), resumed.weights().state(), f + " " + how);
            }
    }

    /**
     * With one checkpoint kept there is nothing to fall back to: one clear line, exit 2, not a
     * reset optimizer.
     */
    @Test
    void noCompleteCheckpointIsOneClearError() throws Exception {
        Path out = tmp.resolve("keep-one");
        train(out, "--max-rounds", "3", "--keep-checkpoints", "1");
        Path ckpt = newest(out);
        Files.delete(ckpt.resolve("optimizer.safetensors"));
        TestData.Run r =
                TestData.run(new TrainCommand(), args(out, "--resume", "--keep-checkpoints", "1"));
        assertOneLine(r, "no checkpoint in ");
        assertTrue(r.err().contains("round-000003: optimizer.safetensors is missing"), r.err());
    }

    /** Even with a manifest that agrees, a checkpoint without Adam's state is not resumed from. */
    @Test
    void checkpointWithoutOptimizerStateIsNotUsed() throws Exception {
        Path out = tmp.resolve("no-optimizer");
        train(out, "--max-rounds", "3", "--keep-checkpoints", "1");
        Path ckpt = newest(out);
        Files.delete(ckpt.resolve("optimizer.safetensors"));
        Files.delete(ckpt.resolve("MANIFEST.json"));
        dropCrc(ckpt.resolve("MANIFEST.json"));
        Manifest.write(ckpt);
        assertOneLine(
                TestData.run(new TrainCommand(), args(out, "--resume", "--keep-checkpoints", "1")),
                "no optimizer.safetensors");
    }

    /**
     * Training data replaced under the same name (size, time) is another run; so is other dev data.
     */
    @Test
    void changedInputFilesAreAnotherRun() throws Exception {
        Path out = tmp.resolve("changed-data");
        Path myTrain = Files.copy(train, tmp.resolve("my-train.jsonl"));
        FileTime written = Files.getLastModifiedTime(myTrain);
        List<String> a = new ArrayList<>(List.of(args(out, "--max-rounds", "2")));
        a.set(a.indexOf("--train") + 1, myTrain.toString());
        assertEquals(0, TestData.run(new TrainCommand(), a.toArray(String[]::new)).code());
        a.set(a.indexOf("--max-rounds"), "--resume");
        a.remove(a.indexOf("--resume") + 1);

        Files.setLastModifiedTime(myTrain, FileTime.fromMillis(written.toMillis() + 60_000));
        assertOneLine(
                TestData.run(new TrainCommand(), a.toArray(String[]::new)),
                "other settings: train_files: was [{\"path\"");
        List<String> lines = new ArrayList<>(Files.readAllLines(myTrain));
        lines.remove(lines.size() - 1);
        Files.write(myTrain, lines);
        assertOneLine(TestData.run(new TrainCommand(), a.toArray(String[]::new)), "train_files");

        Files.copy(train, myTrain, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.setLastModifiedTime(
                myTrain, written); // the training data as it was: only dev differs now
        a.set(a.indexOf("--dev") + 1, train.toString());
        assertOneLine(
                TestData.run(new TrainCommand(), a.toArray(String[]::new)),
                "other settings: dev_files");
    }

    /**
     * A checkpoint claiming more rounds than this run plans is refused, not taken as a finished
     * run.
     */
    @Test
    void roundsDoneBeyondThePlanIsRefused() throws Exception {
        Path out = copyOfInterrupted("too-many-rounds");
        Path ckpt = newest(out);
        ObjectNode p = (ObjectNode) JSON.readTree(ckpt.resolve("progress.json").toFile());
        p.put("rounds_done", 999);
        Files.writeString(ckpt.resolve("progress.json"), p.toPrettyString());
        dropCrc(ckpt.resolve("progress.json"));
        Files.delete(ckpt.resolve("MANIFEST.json"));
        dropCrc(ckpt.resolve("MANIFEST.json"));
        Manifest.write(ckpt);
        TestData.Run r = TestData.run(new TrainCommand(), args(out, "--resume"));
        assertOneLine(
                r, "has rounds_done 999, but this run plans " + full.totalRounds() + " rounds");
    }

    @Test
    void everyCheckpointHasAManifest() throws Exception {
        for (Path c : new Path[] {newest(interrupted), interrupted.resolve("checkpoints/best")}) {
            if (!Files.isDirectory(c)) fail("missing " + c);
            assertEquals(null, Manifest.problem(c), c.toString());
        }
    }
}
