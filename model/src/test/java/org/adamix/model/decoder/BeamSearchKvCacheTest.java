package org.adamix.model.decoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Arrays;
import org.adamix.model.checkpoint.Gpt2FolderReader;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/** Beam search through the reordered KV cache equals recomputing every step with forward(). */
class BeamSearchKvCacheTest {
    private static final int EOS = 96;

    @Test
    void cachedEqualsRecomputed() throws IOException {
        Gpt2Decoder gpt2 =
                new Gpt2Decoder(Gpt2FolderReader.read(Gpt2Fixtures.tinyDir()), DataType.DOUBLE);
        int[][] prompts = {{11, 22, 33}, {70, 5, 5, 5, 9, 18}, {96}, {40, 41}};
        for (BeamOptions options :
                new BeamOptions[] {
                    BeamOptions.adamixNlg(14, EOS),
                    new BeamOptions(4, 2.0, 2, 14, EOS),
                    new BeamOptions(3, 0.8, 0, 14, -1)
                }) {
            Hypothesis[] cached = new BeamSearch(gpt2, options).search(prompts);
            Hypothesis[] recomputed =
                    BeamSearch.search(
                            prompts,
                            options,
                            new Recomputed(
                                    new Gpt2Decoder(
                                            Gpt2FolderReader.read(Gpt2Fixtures.tinyDir()),
                                            DataType.DOUBLE)));
            for (int p = 0; p < prompts.length; p++) {
                String what = "prompt " + p + ", " + options;
                assertArrayEquals(recomputed[p].tokens(), cached[p].tokens(), what);
                assertEquals(recomputed[p].logprob(), cached[p].logprob(), 1e-9, what);
                assertEquals(recomputed[p].score(), cached[p].score(), 1e-9, what);
                assertTrue(cached[p].tokens().length <= options.maxNewTokens(), what);
                for (int t : cached[p].tokens()) assertTrue(t != EOS || options.eos() < 0, what);
            }
        }
    }

    /** Each step's rows as whole sequences, run from scratch as one left-padded forward(). */
    private static final class Recomputed implements BeamSearch.NextLogits {
        private final Gpt2Decoder gpt2;
        private int[][] sequences;

        Recomputed(Gpt2Decoder gpt2) {
            this.gpt2 = gpt2;
        }

        @Override
        public double[][] start(int[][] prompts, int maxNewTokens) {
            sequences = prompts.clone();
            return lastLogits();
        }

        @Override
        public double[][] advance(int[] from, int[] tokens) {
            int[][] next = new int[from.length][];
            for (int r = 0; r < from.length; r++) {
                int[] s = sequences[from[r]];
                next[r] = Arrays.copyOf(s, s.length + 1);
                next[r][s.length] = tokens[r];
            }
            sequences = next;
            return lastLogits();
        }

        private double[][] lastLogits() {
            int longest = 0;
            for (int[] s : sequences) longest = Math.max(longest, s.length);
            int[][] ids = new int[sequences.length][longest],
                    mask = new int[sequences.length][longest];
            for (int r = 0; r < sequences.length; r++) {
                int pad = longest - sequences[r].length;
                System.arraycopy(sequences[r], 0, ids[r], pad, sequences[r].length);
                Arrays.fill(mask[r], pad, longest, 1);
            }
            return CachedLogits.rows(
                    gpt2.forward(ids, mask), sequences.length, longest, longest - 1);
        }
    }
}
