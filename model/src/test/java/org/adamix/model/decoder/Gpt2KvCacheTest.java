package org.adamix.model.decoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Arrays;
import org.adamix.model.checkpoint.Gpt2Backbone;
import org.adamix.model.checkpoint.Gpt2FolderReader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Decoding through the KV cache equals recomputing the whole sequence, token by token, padded or
 * not.
 */
class Gpt2KvCacheTest {
    static final double TOLERANCE = 1e-5;

    private static Gpt2Backbone backbone;

    @BeforeAll
    static void load() throws IOException {
        backbone = Gpt2FolderReader.read(Gpt2Fixtures.tinyDir());
    }

    /** Sequences of different lengths: prompt lengths 3 and 6, then tokens fed one at a time. */
    private static final int[][] SEQUENCES = {
        {11, 22, 33, 87, 45, 37, 73, 90, 73, 73, 81, 60, 78, 88, 65, 2, 3, 4, 5, 6},
        {70, 5, 5, 5, 9, 18, 27, 73, 78, 93, 93, 93, 93, 65, 65, 65, 65, 65, 1, 96},
    };

    private static final int[] PROMPTS = {3, 6};

    @Test
    void stepByStepEqualsRecomputationFloat32() {
        double d = maxStepError(new Gpt2Decoder(backbone, DataType.FLOAT));
        System.out.printf("GPT-2 KV cache vs full recomputation, float32: max |Δ| = %.3g%n", d);
        assertTrue(d < TOLERANCE, "max |Δ| " + d);
    }

    @Test
    void stepByStepEqualsRecomputationFloat64() {
        double d = maxStepError(new Gpt2Decoder(backbone, DataType.DOUBLE));
        System.out.printf("GPT-2 KV cache vs full recomputation, float64: max |Δ| = %.3g%n", d);
        assertTrue(d < 1e-12, "max |Δ| " + d);
    }

    /**
     * Both sequences as one batch: prompts left-padded to a common column, then one token per step;
     * each new position's logits against the whole sequence run alone (no cache, no padding).
     */
    private static double maxStepError(Gpt2Decoder gpt2) {
        int vocab = gpt2.config().vocabSize(), batch = SEQUENCES.length, t = SEQUENCES[0].length;
        double[][][] full = new double[batch][][];
        for (int b = 0; b < batch; b++)
            full[b] = toDouble(gpt2.forward(new int[][] {SEQUENCES[b]}, null), 0, t, vocab);

        int longest = Math.max(PROMPTS[0], PROMPTS[1]);
        int[] ids = new int[batch * longest], mask = new int[batch * longest];
        for (int b = 0; b < batch; b++) {
            int pad = longest - PROMPTS[b];
            System.arraycopy(SEQUENCES[b], 0, ids, b * longest + pad, PROMPTS[b]);
            Arrays.fill(mask, b * longest + pad, (b + 1) * longest, 1);
        }
        KvCache cache = gpt2.newCache();
        int steps = t - longest;
        cache.reset(batch, longest + steps);
        INDArray prefill = gpt2.append(cache, ids, mask, longest);
        double max = 0;
        for (int b = 0; b < batch; b++) {
            int pad = longest - PROMPTS[b];
            for (int i = 0; i < PROMPTS[b]; i++)
                for (int v = 0; v < vocab; v++)
                    max = Math.max(max, Math.abs(prefill.getDouble(b, pad + i, v) - full[b][i][v]));
        }
        // each sequence continues with its own next tokens, whatever its prompt length
        int[] next = new int[batch];
        for (int s = 0; s < steps; s++) {
            for (int b = 0; b < batch; b++) next[b] = SEQUENCES[b][PROMPTS[b] + s];
            INDArray logits = gpt2.step(cache, next);
            assertEquals(longest + s + 1, cache.length());
            for (int b = 0; b < batch; b++)
                for (int v = 0; v < vocab; v++)
                    max =
                            Math.max(
                                    max,
                                    Math.abs(logits.getDouble(b, v) - full[b][PROMPTS[b] + s][v]));
        }
        return max;
    }

    @Test
    void aFullCacheAndTooLongSequencesFailClearly() {
        Gpt2Decoder gpt2 = new Gpt2Decoder(backbone, DataType.FLOAT);
        KvCache cache = gpt2.newCache();
        cache.reset(1, 2);
        gpt2.append(cache, new int[] {1, 2}, null, 2);
        IllegalStateException full =
                assertThrows(IllegalStateException.class, () -> gpt2.step(cache, new int[] {3}));
        assertTrue(full.getMessage().contains("KV cache full"), full.getMessage());
        int n = gpt2.config().maxPositions();
        IllegalArgumentException longer =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> gpt2.forward(new int[][] {new int[n + 1]}, null));
        assertTrue(longer.getMessage().contains("n_positions"), longer.getMessage());
        IllegalArgumentException tooMany =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> gpt2.generate(new int[][] {{1, 2, 3}}, n - 1, -1));
        assertTrue(tooMany.getMessage().contains("n_positions"), tooMany.getMessage());
        IllegalArgumentException badId =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> gpt2.forward(new int[][] {{1, gpt2.config().vocabSize()}}, null));
        assertTrue(badId.getMessage().contains("outside the vocabulary"), badId.getMessage());
    }

    @Test
    void aRefusedCallLeavesTheCacheAsItWas() {
        Gpt2Decoder gpt2 = new Gpt2Decoder(backbone, DataType.DOUBLE);
        int[] sequence = {11, 22, 33};
        double expected = gpt2.forward(new int[][] {sequence}, null).getDouble(0, 2, 5);
        KvCache cache = gpt2.newCache();
        cache.reset(1, 3);
        gpt2.append(cache, new int[] {11, 22}, null, 2);
        int badId = gpt2.config().vocabSize();
        assertThrows(IllegalArgumentException.class, () -> gpt2.step(cache, new int[] {badId}));
        assertEquals(2, cache.length());
        assertEquals(expected, gpt2.step(cache, new int[] {33}).getDouble(0, 5), 1e-12);
    }

    @Test
    void decodingAllocatesNoBuffersOnceSized() {
        Gpt2Decoder gpt2 = new Gpt2Decoder(backbone, DataType.FLOAT);
        int[][] prompts = {{11, 22, 33}, {70, 5, 5, 5, 9, 18}};
        int[][] first = gpt2.generate(prompts, 12, -1);
        long bytes = gpt2.bufferBytes();
        int[][] second = gpt2.generate(prompts, 12, -1);
        assertEquals(
                bytes, gpt2.bufferBytes(), "buffers grew on a second generation of the same size");
        assertArrayEquals(first, second);
    }

    private static double[][] toDouble(INDArray logits, int b, int t, int vocab) {
        double[][] out = new double[t][vocab];
        for (int i = 0; i < t; i++)
            for (int v = 0; v < vocab; v++) out[i][v] = logits.getDouble(b, i, v);
        return out;
    }
}
