package org.adamix.model.decoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.Arrays;
import org.adamix.model.checkpoint.Gpt2Backbone;
import org.adamix.model.checkpoint.Gpt2FolderReader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The decoder against experiments/gpt2_reference.py, GPT-2 written out in plain PyTorch (float64):
 * logits of fixed sequences, alone and in left- and right-padded batches, and greedy generations
 * token for token.
 */
class Gpt2ReferenceTest {
    static final double FLOAT32_TOLERANCE = 1e-4;
    // the fixture holds 10 significant digits
    static final double FLOAT64_TOLERANCE = 1e-7;

    private static Gpt2Backbone backbone;
    private static JsonNode reference;

    @BeforeAll
    static void load() throws IOException {
        backbone = Gpt2FolderReader.read(Gpt2Fixtures.tinyDir());
        reference = Gpt2Fixtures.reference();
    }

    @Test
    void logitsEqualPyTorchFloat32() {
        double d = maxLogitError(new Gpt2Decoder(backbone, DataType.FLOAT), Padding.NONE);
        System.out.printf("GPT-2 logits vs PyTorch, float32: max |Δ| = %.3g%n", d);
        assertTrue(d < FLOAT32_TOLERANCE, "max |Δ| " + d);
    }

    @Test
    void logitsEqualPyTorchFloat64() {
        double d = maxLogitError(new Gpt2Decoder(backbone, DataType.DOUBLE), Padding.NONE);
        System.out.printf("GPT-2 logits vs PyTorch, float64: max |Δ| = %.3g%n", d);
        assertTrue(d < FLOAT64_TOLERANCE, "max |Δ| " + d);
    }

    @Test
    void paddedBatchesGiveEachSequenceItsOwnLogits() {
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            Gpt2Decoder gpt2 = new Gpt2Decoder(backbone, type);
            double tolerance = type == DataType.FLOAT ? FLOAT32_TOLERANCE : FLOAT64_TOLERANCE;
            for (Padding padding : new Padding[] {Padding.LEFT, Padding.RIGHT}) {
                double d = maxLogitError(gpt2, padding);
                System.out.printf(
                        "GPT-2 logits vs PyTorch, %s, %s-padded batch: max |Δ| = %.3g%n",
                        type, padding, d);
                assertTrue(d < tolerance, type + " " + padding + ": max |Δ| " + d);
            }
        }
    }

    @Test
    void greedyGenerationEqualsPyTorch() {
        JsonNode g = reference.get("greedy");
        int[][] prompts = Gpt2Fixtures.intRows(g.get("prompts"));
        int max = g.get("max_new_tokens").asInt(), eos = g.get("eos").asInt();
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            Gpt2Decoder gpt2 = new Gpt2Decoder(backbone, type);
            // all prompts as one left-padded batch, and each alone
            assertArrayEquals(
                    Gpt2Fixtures.intRows(g.get("no_eos")),
                    gpt2.generate(prompts, max, -1),
                    type + " no eos");
            assertArrayEquals(
                    Gpt2Fixtures.intRows(g.get("with_eos")),
                    gpt2.generate(prompts, max, eos),
                    type + " eos");
            for (int p = 0; p < prompts.length; p++)
                assertArrayEquals(
                        Gpt2Fixtures.ints(g.get("with_eos").get(p)),
                        gpt2.generate(new int[][] {prompts[p]}, max, eos)[0],
                        type + " prompt " + p + " alone");
        }
    }

    enum Padding {
        NONE,
        LEFT,
        RIGHT
    }

    /**
     * Max |Δ| over every reference sequence's logits: one sequence at a time, or all as one padded
     * batch.
     */
    private static double maxLogitError(Gpt2Decoder gpt2, Padding padding) {
        int[][] seqs = Gpt2Fixtures.intRows(reference.get("sequences"));
        JsonNode expected = reference.get("logits");
        double max = 0;
        if (padding == Padding.NONE) {
            for (int s = 0; s < seqs.length; s++)
                max =
                        Math.max(
                                max,
                                error(
                                        gpt2.forward(new int[][] {seqs[s]}, null),
                                        0,
                                        0,
                                        expected.get(s)));
            return max;
        }
        int t = 0;
        for (int[] s : seqs) t = Math.max(t, s.length);
        int[][] ids = new int[seqs.length][t], mask = new int[seqs.length][t];
        for (int s = 0; s < seqs.length; s++) {
            int pad = t - seqs[s].length, from = padding == Padding.LEFT ? pad : 0;
            Arrays.fill(ids[s], 7); // a real token id, to show padding is ignored, not merely zero
            System.arraycopy(seqs[s], 0, ids[s], from, seqs[s].length);
            Arrays.fill(mask[s], from, from + seqs[s].length, 1);
        }
        INDArray logits = gpt2.forward(ids, mask);
        for (int s = 0; s < seqs.length; s++)
            max =
                    Math.max(
                            max,
                            error(
                                    logits,
                                    s,
                                    padding == Padding.LEFT ? t - seqs[s].length : 0,
                                    expected.get(s)));
        return max;
    }

    /**
     * Max |Δ| between row b's columns from.. of logits [batch, t, vocab] and the expected
     * [len][vocab].
     */
    private static double error(INDArray logits, int b, int from, JsonNode expected) {
        double max = 0;
        for (int i = 0; i < expected.size(); i++)
            for (int v = 0; v < expected.get(i).size(); v++)
                max =
                        Math.max(
                                max,
                                Math.abs(
                                        logits.getDouble(b, from + i, v)
                                                - expected.get(i).get(v).asDouble()));
        return max;
    }
}
