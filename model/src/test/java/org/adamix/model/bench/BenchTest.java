package org.adamix.model.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.adamix.model.AdaMixModel;
import org.adamix.model.AdaptationConfig;
import org.adamix.model.BertConfig;
import org.adamix.model.HeadConfig;
import org.adamix.model.Method;
import org.adamix.model.OptimizerConfig;
import org.adamix.model.RandomBackbone;
import org.adamix.model.checkpoint.Backbone;
import org.adamix.model.checkpoint.HfFolderWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The bench's interleaved mode on a tiny model: every row measured, speeds relative to the first.
 */
class BenchTest {
    @Test
    void interleavedRowsReportSpeedsRelativeToTheFirst() {
        String out =
                run(
                        "--config",
                        "pfeiffer,adamix-adapter,adamix-adapter-merged",
                        "--interleaved",
                        "--steps",
                        "2",
                        "--warmup",
                        "1",
                        "--layers",
                        "1",
                        "--seq",
                        "8",
                        "--batch",
                        "2");
        List<String> lines = out.lines().filter(l -> l.startsWith("BENCH ")).toList();
        assertEquals(
                List.of("pfeiffer", "adamix-adapter", "adamix-adapter-merged"),
                lines.stream().map(l -> Bench.field(l, "method")).toList());
        assertEquals("1.000", Bench.field(lines.get(0), "train_vs_first"));
        for (String l : lines) {
            assertTrue(Double.parseDouble(Bench.field(l, "infer_vs_first")) > 0, l);
            assertTrue(Double.parseDouble(Bench.field(l, "train_ex_per_s")) > 0, l);
        }
        // The mixture trains M = 4 down and up experts; the single adapter one of each.
        assertEquals(
                Bench.field(lines.get(1), "trainable"), Bench.field(lines.get(2), "trainable"));
        assertTrue(
                Long.parseLong(Bench.field(lines.get(1), "trainable"))
                        > Long.parseLong(Bench.field(lines.get(0), "trainable")));
        assertTrue(out.contains("train vs 1st"), "the table has the relative columns");
    }

    /** ROW@T rows run at their own length, taking turns with the others. */
    @Test
    void rowsAtTheirOwnLengthsTakeTurns() {
        String out =
                run(
                        "--config",
                        "pfeiffer@8,pfeiffer@24",
                        "--interleaved",
                        "--steps",
                        "2",
                        "--warmup",
                        "1",
                        "--layers",
                        "1",
                        "--seq",
                        "16",
                        "--batch",
                        "2");
        List<String> lines = out.lines().filter(l -> l.startsWith("BENCH ")).toList();
        assertEquals(
                List.of("pfeiffer@8", "pfeiffer@24"),
                lines.stream().map(l -> Bench.field(l, "method")).toList());
        // tokens per example = tokens/s over examples/s: the row's own length, not --seq
        int[] expected = {8, 24};
        for (int i = 0; i < 2; i++) {
            String l = lines.get(i);
            double perExample =
                    Double.parseDouble(Bench.field(l, "train_tok_per_s"))
                            / Double.parseDouble(Bench.field(l, "train_ex_per_s"));
            assertEquals(expected[i], perExample, 0.05 * expected[i], l);
        }
        PrintStream err = System.err;
        try {
            System.setErr(new PrintStream(new ByteArrayOutputStream(), true));
            assertEquals(2, new CommandLine(new Bench()).execute("--config", "pfeiffer@0"));
        } finally {
            System.setErr(err);
        }
    }

    /**
     * A real backbone folder gives the rows its shape (here 2 layers of 8, not the options'), and
     * --gemm-peak measures the GEMM before the rows and adds each row's share of it, and of the
     * GEMM timed before each training turn.
     */
    @Test
    void backboneFolderSetsTheShapeAndGemmPeakAddsTheShare(@TempDir Path tmp) throws Exception {
        BertConfig tiny =
                new BertConfig("bert", 50, 8, 2, 2, 16, 12, 2, 1e-12, "gelu", 0.1, 0.1, 0);
        Backbone backbone = RandomBackbone.create(tiny, 3, false);
        HfFolderWriter.write(backbone, tmp.resolve("tiny"));
        String out =
                run(
                        "--backbone",
                        tmp.resolve("tiny").toString(),
                        "--config",
                        "pfeiffer",
                        "--gemm-peak",
                        "--steps",
                        "2",
                        "--warmup",
                        "1",
                        "--layers",
                        "4",
                        "--hidden",
                        "64",
                        "--seq",
                        "8",
                        "--batch",
                        "2");
        String bench = out.lines().filter(l -> l.startsWith("BENCH ")).findFirst().orElseThrow();
        long expected =
                AdaMixModel.build(
                                backbone,
                                AdaptationConfig.of(Method.PFEIFFER, 16),
                                HeadConfig.classification(2),
                                OptimizerConfig.adam(1e-3),
                                0)
                        .trainableParams()
                        .length();
        assertEquals("" + expected, Bench.field(bench, "trainable"));
        assertTrue(Double.parseDouble(Bench.field(bench, "train_gflops")) > 0, bench);
        String gemm = out.lines().filter(l -> l.startsWith("GEMM ")).findFirst().orElseThrow();
        assertTrue(gemm.contains("ffn=16x8x16"), gemm); // batch·seq × hidden × FFN of the folder
        assertTrue(out.contains("of GEMM peak"), out);
        // each step against the GEMM timed just before its turn: the median share, near the
        // ratio of the medians (two steps: means), not its inverse
        double paired = Double.parseDouble(Bench.field(bench, "train_of_turn_peak"));
        double ratio =
                Double.parseDouble(Bench.field(bench, "train_gflops"))
                        / Double.parseDouble(Bench.field(bench, "turn_peak_gflops"));
        assertTrue(paired > 0 && paired > ratio / 5 && paired < ratio * 5, bench);
    }

    private static String run(String... args) {
        PrintStream out = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(buf, true));
            assertEquals(0, new CommandLine(new Bench()).execute(args));
        } finally {
            System.setOut(out);
        }
        return buf.toString();
    }
}
