package org.adamix.jobs.generation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.adamix.jobs.cli.CompareCommand;
import org.adamix.jobs.cli.TrainCommand;
import org.adamix.jobs.compare.CompareJob;
import org.adamix.jobs.compare.RunResult;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code compare --task generation} on local[2] with a tiny GPT-2: every (method, seed) trains as
 * one task, dev loss chooses, the merged model's test BLEU is reported; a run equals {@code train
 * --task generation} with one worker on the same data; a rerun trains nothing.
 */
class GenerationCompareTest {
    static JavaSparkContext sc;
    @TempDir static Path tmp;

    @BeforeAll
    static void start() {
        sc =
                new JavaSparkContext(
                        new SparkConf()
                                .setMaster("local[2]")
                                .setAppName("adamix-test")
                                .set("spark.ui.enabled", "false")
                                .set("spark.driver.host", "127.0.0.1"));
        sc.setLogLevel("WARN");
    }

    @AfterAll
    static void stop() {
        if (sc != null) sc.stop();
    }

    static final List<String> RECIPE =
            List.of(
                    "--task",
                    "generation",
                    "--rank",
                    "4",
                    "--experts",
                    "2",
                    "--lora-alpha",
                    "32",
                    "--batch-size",
                    "8",
                    "--epochs",
                    "2",
                    "--max-length",
                    "48");

    @Test
    void comparesMethodsByDevLossAndReportsTestBleu() throws Exception {
        Path backbone = TinyGpt2.folder(tmp.resolve("gpt2"), 0.3);
        Path train = GenerationTrainTest.pairs(tmp.resolve("train.jsonl"), 48, 1);
        Path dev = GenerationTrainTest.pairs(tmp.resolve("dev.jsonl"), 16, 2);
        Path test = GenerationTrainTest.pairs(tmp.resolve("test.jsonl"), 16, 3);
        Path out = tmp.resolve("compare");
        List<String> args =
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
                                "lora,adamix-lora",
                                "--seeds",
                                "2",
                                "--lr",
                                "1e-2",
                                "--beams",
                                "2",
                                "--max-new-tokens",
                                "16",
                                "--output",
                                out.toString()));
        args.addAll(RECIPE);
        CompareCommand cmd = new CompareCommand();
        assertEquals(0, new picocli.CommandLine(cmd).execute(args.toArray(String[]::new)));
        CompareJob.Result r = cmd.result();
        assertEquals(4, r.runs().size());
        assertEquals(4, r.ranNow().size());
        for (String f : List.of("compare.json", "compare.md", "compare.png", "_SUCCESS"))
            assertTrue(Files.exists(out.resolve(f)), f);
        String md = Files.readString(out.resolve("compare.md"));
        assertTrue(md.contains("| dev loss | test bleu |"), md);
        for (RunResult run : r.runs()) {
            // the chosen epoch has the lowest dev loss, and the merged model scores it
            double chosen = run.devByEpoch().get(run.bestEpoch() - 1);
            for (double d : run.devByEpoch()) assertTrue(chosen <= d, run.devByEpoch().toString());
            assertEquals(chosen, run.dev().get("loss"), 1e-5);
            double bleu = run.test().get("bleu"), rouge = run.test().get("rouge_l");
            assertTrue(bleu >= 0 && bleu <= 1 && rouge >= 0 && rouge <= 1, run.test().toString());
        }

        // The lora run of the first seed, trained by train --task generation with one worker.
        RunResult lora = r.runs().get(0);
        assertEquals("lora", lora.config().method());
        Path single = tmp.resolve("single");
        List<String> t =
                new ArrayList<>(
                        List.of(
                                "--backbone", backbone.toString(),
                                "--train", train.toString(),
                                "--dev", dev.toString(),
                                "--method", "lora",
                                "--lr", "1e-2",
                                "--seed", Long.toString(lora.config().seed()),
                                "--workers", "1",
                                "--output", single.toString()));
        t.addAll(RECIPE);
        TrainCommand tc = new TrainCommand();
        assertEquals(0, new picocli.CommandLine(tc).execute(t.toArray(String[]::new)));
        assertEquals(tc.generationResult().bestEpoch(), lora.bestEpoch());
        assertEquals(tc.generationResult().devLoss(), lora.dev().get("loss"), 1e-6);

        // A rerun finds every run done and trains nothing.
        CompareCommand again = new CompareCommand();
        assertEquals(0, new picocli.CommandLine(again).execute(args.toArray(String[]::new)));
        assertEquals(0, again.result().ranNow().size());
    }

    /** Bad input is one line and exit code 2, before any training; nothing is written. */
    @Test
    void badInputIsRefusedBeforeTraining() throws Exception {
        Path backbone = TinyGpt2.folder(tmp.resolve("gpt2-bad"), 0.3);
        Path train = GenerationTrainTest.pairs(tmp.resolve("bad-train.jsonl"), 8, 1);
        Path out = tmp.resolve("bad-out");
        for (String[] bad :
                new String[][] {
                    {"--beams", "0"}, {"--max-new-tokens", "500"}, {"--label-smoothing", "1"}
                }) {
            List<String> args =
                    new ArrayList<>(
                            List.of(
                                    "--backbone", backbone.toString(),
                                    "--train", train.toString(),
                                    "--dev", train.toString(),
                                    "--methods", "lora",
                                    "--output", out.toString()));
            args.addAll(RECIPE);
            args.addAll(List.of(bad));
            java.io.PrintStream old = System.err;
            java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
            System.setErr(new java.io.PrintStream(buf, true));
            int code;
            try {
                code =
                        new picocli.CommandLine(new CompareCommand())
                                .execute(args.toArray(String[]::new));
            } finally {
                System.setErr(old);
            }
            String lines = buf.toString().strip();
            assertEquals(2, code, bad[0] + ": " + lines);
            assertEquals(1, lines.lines().count(), lines);
            assertTrue(lines.contains(bad[0]), lines);
            assertTrue(!Files.exists(out), "nothing written for " + bad[0]);
        }
    }
}
