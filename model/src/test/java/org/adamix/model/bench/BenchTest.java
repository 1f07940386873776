package org.adamix.model.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The bench's interleaved mode on a tiny model: every row measured, speeds relative to the first.
 */
class BenchTest {
    @Test
    void interleavedRowsReportSpeedsRelativeToTheFirst() {
        PrintStream out = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(buf, true));
            code =
                    new CommandLine(new Bench())
                            .execute(
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
        } finally {
            System.setOut(out);
        }
        assertEquals(0, code);
        List<String> lines = buf.toString().lines().filter(l -> l.startsWith("BENCH ")).toList();
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
        assertTrue(buf.toString().contains("train vs 1st"), "the table has the relative columns");
    }
}
