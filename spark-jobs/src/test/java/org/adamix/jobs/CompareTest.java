package org.adamix.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.adamix.jobs.cli.CompareCommand;
import org.adamix.jobs.compare.CompareJob;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * adamix compare on local[2] with a tiny random backbone: outputs, resumption, refusals, bad input.
 */
class CompareTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static JavaSparkContext sc;
    @TempDir static Path tmp;
    static Path backbone, train, dev, test;

    @BeforeAll
    static void start() throws Exception {
        sc = SparkTests.local2();
        backbone = TinyFixture.backbone(tmp.resolve("tiny-bert"));
        train = TinyFixture.data(tmp.resolve("data/train.jsonl"), "train-", 48, 1);
        dev = TinyFixture.data(tmp.resolve("data/dev.jsonl"), "dev-", 24, 2);
        test = TinyFixture.data(tmp.resolve("data/test.jsonl"), "test-", 24, 3);
    }

    @AfterAll
    static void stop() {
        if (sc != null) sc.stop();
    }

    static String[] args(Path out, String methods, String seeds, String... more) {
        List<String> a =
                new ArrayList<>(
                        List.of(
                                "--backbone",
                                backbone.toString(),
                                "--train",
                                train.toString(),
                                "--dev",
                                dev.toString(),
                                "--test",
                                test.toString(),
                                "--methods",
                                methods,
                                "--seeds",
                                seeds,
                                "--batch-size",
                                "8",
                                "--max-length",
                                "16",
                                "--rank",
                                "4",
                                "--experts",
                                "2",
                                "--lr",
                                "1e-2",
                                "--output",
                                out.toString()));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    static CompareJob.Result compare(String... args) {
        CompareCommand cmd = new CompareCommand();
        TestData.Run r = TestData.run(cmd, args);
        assertEquals(0, r.code(), r.err());
        return cmd.result();
    }

    static final Pattern ROW =
            Pattern.compile(
                    "^\\| (\\S+) \\| ([0-9.]+) \\| ([0-9.]+) ± ([0-9.]+) \\| ([0-9.]+) ± ([0-9.]+) \\| "
                            + "([0-9,]+) \\| ([0-9,]+) \\| (\\d+) \\|$");

    /**
     * 2 methods × 2 seeds: compare.json has every run, compare.md the mean ± sample std of those
     * runs, the chart is a PNG, _SUCCESS comes last; a rerun after deleting one run file trains
     * that run alone and gets the same scores (same seed, same result).
     */
    @Test
    void tinyGridThenRerunTrainsOnlyTheMissingRun() throws Exception {
        Path out = tmp.resolve("grid");
        long t0 = System.nanoTime();
        CompareJob.Result first =
                compare(args(out, "pfeiffer,adamix-adapter", "2", "--seed", "5", "--epochs", "2"));
        System.out.printf("compare 2 x 2: %.1f s%n", (System.nanoTime() - t0) / 1e9);
        assertEquals(4, first.ranNow().size());

        JsonNode json = JSON.readTree(out.resolve("compare.json").toFile());
        Set<String> seen = new HashSet<>();
        for (JsonNode r : json.get("runs")) {
            seen.add(r.get("method").asText() + "/" + r.get("seed").asLong());
            assertEquals(0.01, r.get("lr").asDouble());
            assertTrue(r.get("trainable_parameters").asLong() > 0, r.toString());
            assertTrue(r.get("merged_parameters").asLong() > 0, r.toString());
            assertEquals(2 * 6, r.get("steps").asLong(), "2 epochs of 48/8 steps");
            assertTrue(r.get("train_examples_per_s").asDouble() > 0, r.toString());
            assertTrue(
                    r.get("best_epoch").asInt() >= 1 && r.get("best_epoch").asInt() <= 2,
                    r.toString());
            assertEquals(2, r.get("dev_by_epoch").size());
            assertEquals(24.0, r.get("dev").get("examples").asDouble());
            assertEquals(24.0, r.get("test").get("examples").asDouble());
        }
        assertEquals(
                Set.of("pfeiffer/5", "pfeiffer/6", "adamix-adapter/5", "adamix-adapter/6"), seen);
        JsonNode mixture = json.get("runs").get(2);
        assertEquals("adamix-adapter", mixture.get("method").asText());
        assertTrue(
                mixture.get("merged_parameters").asLong()
                        < mixture.get("trainable_parameters").asLong(),
                "merging leaves one adapter of the mixture: " + mixture);

        System.out.print(Files.readString(out.resolve("compare.md")));
        int rows = 0;
        for (String line : Files.readAllLines(out.resolve("compare.md"))) {
            Matcher m = ROW.matcher(line);
            if (!m.matches()) continue;
            rows++;
            String method = m.group(1);
            assertEquals("0.01", m.group(2));
            double[] devs = scores(json, method, "dev"), tests = scores(json, method, "test");
            assertEquals(mean(devs), Double.parseDouble(m.group(3)), 1e-4, line);
            assertEquals(sampleStd(devs), Double.parseDouble(m.group(4)), 1e-4, line);
            assertEquals(mean(tests), Double.parseDouble(m.group(5)), 1e-4, line);
            assertEquals(sampleStd(tests), Double.parseDouble(m.group(6)), 1e-4, line);
            assertEquals("2", m.group(9));
        }
        assertEquals(2, rows, Files.readString(out.resolve("compare.md")));
        byte[] png = Files.readAllBytes(out.resolve("compare.png"));
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(png, 4));
        assertSuccessLast(out);

        Path deleted = out.resolve("runs/pfeiffer-lr0.01-seed6.json");
        JsonNode before = JSON.readTree(deleted.toFile());
        Files.delete(deleted);
        CompareJob.Result again =
                compare(args(out, "pfeiffer,adamix-adapter", "2", "--seed", "5", "--epochs", "2"));
        assertEquals(List.of("pfeiffer-lr0.01-seed6"), again.ranNow());
        JsonNode after = JSON.readTree(deleted.toFile());
        for (String k :
                List.of(
                        "dev",
                        "test",
                        "dev_by_epoch",
                        "best_epoch",
                        "steps",
                        "trainable_parameters",
                        "merged_parameters")) assertEquals(before.get(k), after.get(k), k);
        assertEquals(
                json.get("summary"),
                JSON.readTree(out.resolve("compare.json").toFile()).get("summary"));
        assertSuccessLast(out);
    }

    /**
     * A finished output is continued only with its own arguments; the refusal changes nothing in
     * it.
     */
    @Test
    void finishedOutputWithOtherArgumentsIsRefused() throws Exception {
        Path out = tmp.resolve("finished");
        compare(args(out, "lora", "1", "--epochs", "1"));
        CompareJob.Result same = compare(args(out, "lora", "1", "--epochs", "1"));
        assertTrue(same.ranNow().isEmpty(), "nothing left to train: " + same.ranNow());
        byte[] json = Files.readAllBytes(out.resolve("compare.json"));

        TestData.Run moreSeeds =
                TestData.run(new CompareCommand(), args(out, "lora", "2", "--epochs", "1"));
        assertOneLine(moreSeeds, "holds a finished comparison of other arguments");
        TestData.Run otherEpochs =
                TestData.run(new CompareCommand(), args(out, "lora", "1", "--epochs", "3"));
        assertOneLine(otherEpochs, "other settings (epochs");
        assertArrayEquals(json, Files.readAllBytes(out.resolve("compare.json")));
        assertFalse(Files.exists(out.resolve("runs/lora-lr0.01-seed43.json")));
    }

    @Test
    void badInputIsOneLineExitTwoAndNothingWritten() throws Exception {
        Path out = tmp.resolve("bad");
        assertRefused(
                args(out, "pfeiffer,bert-magic", "2"),
                out,
                "--methods: unknown method 'bert-magic'");
        assertRefused(args(out, ",", "2"), out, "--methods is empty");
        assertRefused(args(out, "pfeiffer", "0"), out, "--seeds must be >= 1");
        assertRefused(args(out, "pfeiffer", "2", "--lr", "0"), out, "--lr must be > 0");
        assertRefused(
                args(out, "pfeiffer", "2", "--workers", "4"),
                out,
                "--workers is not a compare option");
        assertRefused(args(out, "pfeiffer", "2", "--no-such-option"), out, "--no-such-option");
        List<String> a = new ArrayList<>(List.of(args(out, "pfeiffer", "2")));
        a.set(a.indexOf("--test") + 1, tmp.resolve("missing.jsonl").toString());
        assertRefused(a.toArray(String[]::new), out, "missing.jsonl");
        a = new ArrayList<>(List.of(args(out, "pfeiffer", "2")));
        a.set(a.indexOf("--dev") + 1, tmp.resolve("no-dev.jsonl").toString());
        assertRefused(a.toArray(String[]::new), out, "no-dev.jsonl");
        Path other = Files.createDirectories(tmp.resolve("not-a-comparison"));
        Files.writeString(other.resolve("notes.txt"), "mine");
        TestData.Run r = TestData.run(new CompareCommand(), args(other, "pfeiffer", "1"));
        assertOneLine(r, "holds no comparison");
        try (Stream<Path> s = Files.list(other)) {
            assertEquals(1, s.count(), "nothing written next to notes.txt");
        }
    }

    /** --task regression: runs are scored and chosen by Pearson correlation. */
    @Test
    void regressionUsesPearson() throws Exception {
        Path r = tmp.resolve("regression");
        Path rTrain = TinyFixture.data(r.resolve("train.jsonl"), "train-", 32, 1, true);
        Path rDev = TinyFixture.data(r.resolve("dev.jsonl"), "dev-", 16, 2, true);
        Path out = r.resolve("out");
        compare(
                "--backbone",
                backbone.toString(),
                "--train",
                rTrain.toString(),
                "--dev",
                rDev.toString(),
                "--task",
                "regression",
                "--methods",
                "adamix-lora",
                "--seeds",
                "1",
                "--epochs",
                "1",
                "--batch-size",
                "8",
                "--max-length",
                "16",
                "--rank",
                "4",
                "--experts",
                "2",
                "--output",
                out.toString());
        JsonNode json = JSON.readTree(out.resolve("compare.json").toFile());
        assertEquals("pearson", json.get("metric").asText());
        assertTrue(json.get("runs").get(0).get("dev").has("pearson"), json.toString());
        assertTrue(json.get("runs").get(0).get("test").isNull(), "no test set");
        assertTrue(
                Files.readString(out.resolve("compare.md"))
                        .contains("| method | best lr | dev pearson | trainable params |"));
        assertTrue(Files.exists(out.resolve("compare.png")));
    }

    /** compare is a subcommand of the job jar's main class. */
    @Test
    void mainClassListsCompare() {
        TestData.Run r = TestData.run(new AdaMix(), "compare", "--help");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("--methods") && r.out().contains("--seeds"), r.out());
    }

    /**
     * --lr-for gives a method its own learning rates: the grid, compare.json and the table use
     * them, and the other methods keep --lr.
     */
    @Test
    void lrForGivesOneMethodItsOwnLearningRates() throws Exception {
        Path dry = tmp.resolve("lr-for-dry");
        TestData.Run r =
                TestData.run(
                        new CompareCommand(),
                        args(
                                dry,
                                "pfeiffer,lora",
                                "2",
                                "--lr",
                                "1e-2",
                                "--lr-for",
                                "lora=1e-3,5e-3",
                                "--dry-run"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("6 configurations"), r.out()); // (1 + 2) lrs × 2 seeds

        Path out = tmp.resolve("lr-for");
        compare(args(out, "pfeiffer,lora", "1", "--lr", "1e-2", "--lr-for", "lora=5e-3"));
        JsonNode json = JSON.readTree(out.resolve("compare.json").toFile());
        List<String> runs = new ArrayList<>();
        for (JsonNode run : json.get("runs"))
            runs.add(run.get("method").asText() + "@" + run.get("lr").asDouble());
        assertEquals(List.of("pfeiffer@0.01", "lora@0.005"), runs);
        assertEquals(0.005, json.get("summary").get(1).get("best_lr").asDouble());
        assertEquals(
                0.005,
                json.get("arguments")
                        .get("grid")
                        .get("lrs_by_method")
                        .get("lora")
                        .get(0)
                        .asDouble());

        Path bad = tmp.resolve("lr-for-bad");
        assertRefused(
                args(bad, "pfeiffer", "1", "--lr-for", "full=1e-4"), bad, "not one of --methods");
        assertRefused(
                args(bad, "pfeiffer", "1", "--lr-for", "pfeiffer"), bad, "expected METHOD=LR");
        assertRefused(args(bad, "pfeiffer", "1", "--lr-for", "pfeiffer=x"), bad, "is not a number");
        assertRefused(args(bad, "pfeiffer", "1", "--lr-for", "pfeiffer=-1"), bad, "lr must be > 0");
        assertRefused(
                args(
                        bad,
                        "pfeiffer",
                        "1",
                        "--lr-for",
                        "pfeiffer=1e-3",
                        "--lr-for",
                        "pfeiffer=1e-2"),
                bad,
                "given twice");
    }

    /** Without --lr each method trains at its own default: adapters 1e-2, LoRA 2e-3, full 1e-4. */
    @Test
    void withoutLrEachMethodTrainsAtItsDefault() {
        Path dry = tmp.resolve("default-lrs");
        List<String> a =
                new ArrayList<>(List.of(args(dry, "pfeiffer,lora,full", "1", "--dry-run")));
        int i = a.indexOf("--lr");
        a.remove(i + 1);
        a.remove(i);
        TestData.Run r = TestData.run(new CompareCommand(), a.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("3 configurations"), r.out());
        assertTrue(r.out().contains("{pfeiffer=[0.01], lora=[0.002], full=[1.0E-4]}"), r.out());
    }

    /** A dry run checks the inputs and prints the grid, writing nothing. */
    @Test
    void dryRunPrintsTheGrid() {
        Path out = tmp.resolve("dry");
        TestData.Run r =
                TestData.run(
                        new CompareCommand(),
                        args(out, "pfeiffer,lora", "3", "--lr", "1e-3,1e-2", "--dry-run"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("12 configurations"), r.out());
        assertFalse(Files.exists(out));
    }

    static void assertRefused(String[] args, Path out, String expected) {
        TestData.Run r = TestData.run(new CompareCommand(), args);
        assertOneLine(r, expected);
        assertFalse(Files.exists(out), "nothing written under " + out);
    }

    static void assertOneLine(TestData.Run r, String expected) {
        assertEquals(2, r.code(), r.err());
        List<String> errors =
                r.err().lines().filter(l -> l.startsWith("adamix compare: error:")).toList();
        assertEquals(1, errors.size(), r.err());
        assertTrue(errors.get(0).contains(expected), errors.get(0));
    }

    /**
     * _SUCCESS is not older than any other file (Hadoop's hidden .crc files aside), and no
     * temporary file is left.
     */
    static void assertSuccessLast(Path out) throws Exception {
        long success = Files.getLastModifiedTime(out.resolve("_SUCCESS")).toMillis();
        try (Stream<Path> s = Files.walk(out)) {
            assertTrue(
                    s.noneMatch(p -> p.getFileName().toString().contains(".tmp-")),
                    "temporary files left in " + out);
        }
        try (Stream<Path> s = Files.walk(out)) {
            for (Path p :
                    s.filter(Files::isRegularFile)
                            .filter(p -> !p.getFileName().toString().startsWith("."))
                            .toList()) {
                assertTrue(
                        Files.getLastModifiedTime(p).toMillis() <= success,
                        p + " is newer than _SUCCESS");
            }
        }
    }

    static double[] scores(JsonNode json, String method, String split) {
        List<Double> v = new ArrayList<>();
        for (JsonNode r : json.get("runs"))
            if (r.get("method").asText().equals(method))
                v.add(r.get(split).get("accuracy").asDouble());
        return v.stream().mapToDouble(Double::doubleValue).toArray();
    }

    static double mean(double[] v) {
        double s = 0;
        for (double x : v) s += x;
        return s / v.length;
    }

    static double sampleStd(double[] v) {
        double m = mean(v), s = 0;
        for (double x : v) s += (x - m) * (x - m);
        return Math.sqrt(s / (v.length - 1));
    }
}
