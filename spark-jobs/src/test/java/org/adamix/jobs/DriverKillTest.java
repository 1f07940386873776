package org.adamix.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.adamix.jobs.cli.TrainCommand;
import org.adamix.jobs.train.TrainJob;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The driver killed with kill -9 in the middle of training (train in a child JVM, as spark-submit
 * runs it in client mode): the lock it leaves names it, and {@code --resume --break-lock} continues
 * from its last checkpoint to exactly the weights and Adam state of an uninterrupted run.
 */
class DriverKillTest {
    @TempDir Path tmp;

    String[] args(Path out, String... more) throws Exception {
        Path bb = tmp.resolve("tiny");
        if (!Files.isDirectory(bb)) TinyFixture.backbone(Files.createDirectories(bb));
        Path train = tmp.resolve("data/train.jsonl"), dev = tmp.resolve("data/dev.jsonl");
        if (!Files.exists(train)) {
            TinyFixture.data(train, "t", 128, 1);
            TinyFixture.data(dev, "d", 16, 2);
        }
        return TinyFixture.trainArgs(bb, train, dev, out, 1, more);
    }

    TrainJob.Result inProcess(Path out, String... more) throws Exception {
        JavaSparkContext sc = SparkTests.local2();
        try {
            TrainCommand cmd = new TrainCommand();
            TestData.Run r = TestData.run(cmd, args(out, more));
            assertEquals(0, r.code(), r.err());
            return cmd.result();
        } finally {
            sc.stop();
        }
    }

    static int newestCheckpoint(Path out) throws Exception {
        Path dir = out.resolve("checkpoints");
        if (!Files.isDirectory(dir)) return 0;
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString())
                    .filter(n -> n.matches("round-\\d{6}"))
                    .mapToInt(n -> Integer.parseInt(n.substring(6)))
                    .max()
                    .orElse(0);
        }
    }

    @Test
    void driverKilledMidRunThenResumedEndsWithTheUninterruptedWeights() throws Exception {
        TrainJob.Result full = inProcess(tmp.resolve("full"));
        assertTrue(full.roundsDone() >= 16, "rounds: " + full.roundsDone());

        Path out = tmp.resolve("killed");
        List<String> cmd = new ArrayList<>(List.of("train"));
        cmd.addAll(List.of(args(out, "--master", "local[2]")));
        Process driver =
                new ProcessBuilder(ChildJvm.command(cmd.toArray(String[]::new)))
                        .redirectErrorStream(true)
                        .redirectOutput(tmp.resolve("driver.log").toFile())
                        .start();
        long deadline = System.currentTimeMillis() + 300_000;
        while (newestCheckpoint(out) < 3
                && driver.isAlive()
                && System.currentTimeMillis() < deadline) Thread.sleep(5);
        int atKill = newestCheckpoint(out);
        driver.destroyForcibly(); // SIGKILL: no shutdown hooks, no cleanup
        assertTrue(driver.waitFor(60, TimeUnit.SECONDS));
        assertNotEquals(0, driver.exitValue(), Files.readString(tmp.resolve("driver.log")));
        assertTrue(atKill >= 3, "killed after checkpoint " + atKill);
        assertTrue(atKill < full.roundsDone(), "killed mid-run");
        assertFalse(Files.exists(out.resolve("_SUCCESS")));
        assertTrue(Files.exists(out.resolve("_LOCK")), "the dead driver's lock stays");

        // A retry without --break-lock is refused with the line naming the dead holder.
        JavaSparkContext sc = SparkTests.local2();
        try {
            TestData.Run refused = TestData.run(new TrainCommand(), args(out, "--resume"));
            assertEquals(2, refused.code(), refused.err());
            assertTrue(refused.err().contains("--break-lock"), refused.err());
        } finally {
            sc.stop();
        }

        TrainJob.Result resumed = inProcess(out, "--resume", "--break-lock");
        assertTrue(resumed.complete());
        assertTrue(Files.exists(out.resolve("_SUCCESS")));
        assertArrayEquals(full.weights().params(), resumed.weights().params());
        assertArrayEquals(full.weights().state(), resumed.weights().state());
    }
}
