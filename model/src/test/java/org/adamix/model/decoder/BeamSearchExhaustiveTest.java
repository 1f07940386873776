package org.adamix.model.decoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Arrays;
import org.adamix.model.checkpoint.Gpt2FolderReader;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Beam search wide enough to prune nothing finds the exhaustive argmax; one beam is greedy search.
 */
class BeamSearchExhaustiveTest {
    /** A vocabulary of 6 tokens, the last EOS: every sequence of up to 4 new tokens is few. */
    private static final int VOCAB = 6, EOS = 5, MAX_NEW = 4;

    /** The last prompt ends in EOS, which the random model tends to repeat: short outputs win. */
    private static final int[][] PROMPTS = {{1, 2, 3}, {4, 0}, {2}, {0, 5}};

    private static Gpt2Decoder tinyVocabulary() {
        Gpt2Config config = Gpt2Config.of(VOCAB, 16, 8, 2, 2, 1e-5);
        return new Gpt2Decoder(Gpt2Fixtures.randomBackbone(config, 7), DataType.DOUBLE);
    }

    @Test
    void wideBeamsFindTheExhaustiveBest() {
        Gpt2Decoder gpt2 = tinyVocabulary();
        // 6^4 beams: more than the candidates of any step and the finished ones together
        int beams = (int) Math.pow(VOCAB, MAX_NEW);
        for (double lengthPenalty : new double[] {0.8, 2.0, 0.0}) {
            for (int ngram : new int[] {0, 2}) {
                BeamOptions options = new BeamOptions(beams, lengthPenalty, ngram, MAX_NEW, EOS);
                Hypothesis[] beam = new BeamSearch(gpt2, options).search(PROMPTS);
                for (int p = 0; p < PROMPTS.length; p++) {
                    Hypothesis best = exhaustive(gpt2, PROMPTS[p], options);
                    String what = "prompt " + p + ", " + options;
                    assertArrayEquals(best.tokens(), beam[p].tokens(), what);
                    assertEquals(best.logprob(), beam[p].logprob(), 1e-9, what);
                    assertEquals(best.score(), beam[p].score(), 1e-9, what);
                    System.out.printf(
                            "exhaustive = beam, %s, prompt %d: %s%n",
                            options, p, Arrays.toString(best.tokens()));
                }
            }
        }
    }

    @Test
    void oneBeamIsGreedy() throws IOException {
        Gpt2Decoder gpt2 =
                new Gpt2Decoder(Gpt2FolderReader.read(Gpt2Fixtures.tinyDir()), DataType.DOUBLE);
        int[][] prompts = {{11, 22, 33}, {70, 5, 5, 5, 9, 18}, {96}};
        int[][] greedy = gpt2.generate(prompts, 12, -1);
        int[][] beam = new BeamSearch(gpt2, new BeamOptions(1, 1.0, 0, 12, -1)).generate(prompts);
        assertArrayEquals(greedy, beam);
        Gpt2Decoder small = tinyVocabulary();
        assertArrayEquals(
                small.generate(PROMPTS, MAX_NEW, -1),
                new BeamSearch(small, new BeamOptions(1, 1.0, 0, MAX_NEW, -1)).generate(PROMPTS));
    }

    /**
     * Every continuation of up to maxNewTokens, ended by EOS or by the limit, each next-token
     * distribution recomputed with forward(); the best by the same score (the first of equals in
     * token order).
     */
    private static Hypothesis exhaustive(Gpt2Decoder gpt2, int[] prompt, BeamOptions options) {
        Hypothesis[] best = {null};
        walk(gpt2, prompt, new int[0], 0, options, best);
        assertTrue(best[0] != null);
        return best[0];
    }

    private static void walk(
            Gpt2Decoder gpt2,
            int[] prompt,
            int[] tokens,
            double logprob,
            BeamOptions options,
            Hypothesis[] best) {
        if (tokens.length == options.maxNewTokens()) {
            keep(new Hypothesis(tokens, logprob, score(logprob, tokens.length, options)), best);
            return;
        }
        int[] sequence = Arrays.copyOf(prompt, prompt.length + tokens.length);
        System.arraycopy(tokens, 0, sequence, prompt.length, tokens.length);
        double[] lp =
                BeamSearch.logSoftmax(
                        CachedLogits.rows(
                                gpt2.forward(new int[][] {sequence}, null),
                                1,
                                sequence.length,
                                sequence.length - 1)[0]);
        for (int v : NoRepeatNgram.banned(sequence, sequence.length, options.noRepeatNgram()))
            lp[v] = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < lp.length; v++) {
            if (lp[v] == Double.NEGATIVE_INFINITY) continue;
            double sum = logprob + lp[v];
            if (v == options.eos()) {
                keep(new Hypothesis(tokens, sum, score(sum, tokens.length + 1, options)), best);
            } else {
                int[] grown = Arrays.copyOf(tokens, tokens.length + 1);
                grown[tokens.length] = v;
                walk(gpt2, prompt, grown, sum, options, best);
            }
        }
    }

    private static double score(double logprob, int length, BeamOptions options) {
        return logprob / Math.pow(length, options.lengthPenalty());
    }

    private static void keep(Hypothesis h, Hypothesis[] best) {
        if (best[0] == null || h.score() > best[0].score()) best[0] = h;
    }
}
