package org.adamix.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.adamix.jobs.bench.SparkBench;
import org.adamix.jobs.data.TokenizedExample;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * spark-bench measures the job a user runs: options it does not know reach train (here
 * --local-steps and --batch-size decide the number of rounds), and both rates are reported.
 */
class SparkBenchTest {
    @Test
    void passesTrainOptionsThroughAndComparesTheJobWithTheLoop(@TempDir Path tmp) throws Exception {
        Path backbone = TinyFixture.backbone(tmp.resolve("bb"));
        Path data = TinyFixture.data(tmp.resolve("train.jsonl"), "t", 80, 3);
        PrintStream out = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(buf, true));
            code =
                    new CommandLine(new SparkBench())
                            .execute(
                                    "--backbone", backbone.toString(),
                                    "--train", data.toString(),
                                    "--rows", "64",
                                    "--workers", "2",
                                    "--epochs", "1",
                                    "--batch-size", "4",
                                    "--local-steps", "2",
                                    "--max-length", "16");
        } finally {
            System.setOut(out);
        }
        assertEquals(0, code, buf.toString());
        String line =
                buf.toString()
                        .lines()
                        .filter(l -> l.startsWith("SPARKBENCH "))
                        .findFirst()
                        .orElseThrow();
        // 64 rows / (2 workers × batch 4 × 2 local steps) = 4 rounds or 5 (shards of unequal
        // size); train's defaults (batch 16, 8 local steps) would give 1
        int rounds = Integer.parseInt(field(line, "rounds"));
        assertTrue(rounds == 4 || rounds == 5, line);
        for (String key : new String[] {"loop_ex_per_s", "spark_ex_per_s", "ratio_after_first"})
            assertTrue(Double.parseDouble(field(line, key)) > 0, line);
        // the slowest worker's task is part of the round: a share in (0, 1]
        double share = Double.parseDouble(field(line, "worker_share"));
        assertTrue(share > 0 && share <= 1, line);
    }

    @Test
    void lengthControlComparesTheDataOwnBatchesWithOneFixedLengthOfTheirMean(@TempDir Path tmp)
            throws Exception {
        Path backbone = TinyFixture.backbone(tmp.resolve("bb"));
        Path data = TinyFixture.data(tmp.resolve("train.jsonl"), "t", 40, 5);
        String out =
                run(
                        "--backbone",
                        backbone.toString(),
                        "--train",
                        data.toString(),
                        "--rows",
                        "40",
                        "--workers",
                        "1",
                        "--length-control",
                        "--turns",
                        "2",
                        "--batch-size",
                        "4",
                        "--max-length",
                        "16");
        String line = out.lines().filter(l -> l.startsWith("LENGTHS ")).findFirst().orElseThrow();
        assertEquals("10", field(line, "batches"), line);
        double mean = Double.parseDouble(field(line, "mean_length"));
        assertTrue(mean > 2 && mean <= 16, line);
        assertEquals(Math.round(mean), Long.parseLong(field(line, "fixed_length")), line);
        assertEquals(2, field(line, "ratios").split(",").length, line);
        assertTrue(Double.parseDouble(field(line, "median_ratio")) > 0, line);
        // the job itself does not run
        assertTrue(!out.contains("SPARKBENCH "), out);
        // too few rows for a batch: one line naming the data, exit code 2
        PrintStream err = System.err;
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int code;
        try {
            System.setErr(new PrintStream(errors, true));
            code =
                    new CommandLine(new SparkBench())
                            .execute(
                                    "--backbone",
                                    backbone.toString(),
                                    "--train",
                                    data.toString(),
                                    "--rows",
                                    "3",
                                    "--length-control",
                                    "--batch-size",
                                    "4",
                                    "--max-length",
                                    "16");
        } finally {
            System.setErr(err);
        }
        assertEquals(2, code, errors.toString());
        assertEquals(
                "adamix spark-bench: error: --train "
                        + data
                        + ": fewer than one batch of 4 rows in its first 3",
                errors.toString().strip());
    }

    @Test
    void atLengthCutsOrRepeatsEachExample() {
        var e = new TokenizedExample("a", new int[] {101, 7, 8, 102}, new int[] {0, 0, 1, 1}, 1);
        var longer = SparkBench.atLength(List.of(e), 6).get(0);
        assertArrayEquals(new int[] {101, 7, 8, 102, 101, 7}, longer.ids());
        assertArrayEquals(new int[] {0, 0, 1, 1, 0, 0}, longer.typeIds());
        var shorter = SparkBench.atLength(List.of(e), 3).get(0);
        assertArrayEquals(new int[] {101, 7, 8}, shorter.ids());
        assertEquals("a", shorter.id());
        assertEquals(1.0, shorter.label());
    }

    private static String run(String... args) {
        PrintStream out = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(buf, true));
            int code = new CommandLine(new SparkBench()).execute(args);
            assertEquals(0, code, buf.toString());
        } finally {
            System.setOut(out);
        }
        return buf.toString();
    }

    private static String field(String line, String key) {
        for (String part : line.split(" "))
            if (part.startsWith(key + "=")) return part.substring(key.length() + 1);
        throw new AssertionError(key + " missing: " + line);
    }
}
