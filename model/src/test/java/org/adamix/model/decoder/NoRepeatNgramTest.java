package org.adamix.model.decoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.adamix.model.checkpoint.Gpt2FolderReader;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/** HF's no_repeat_ngram_size: the banned set on hand-made sequences, and in beam search. */
class NoRepeatNgramTest {

    @Test
    void bansWhatWouldCompleteAnEarlierNgram() {
        int[] s = {1, 2, 3, 1, 2};
        // 3-grams: the last two tokens (1, 2) were followed by 3
        assertArrayEquals(new int[] {3}, NoRepeatNgram.banned(s, 5, 3));
        // bigrams: 2 was followed by 3
        assertArrayEquals(new int[] {3}, NoRepeatNgram.banned(s, 5, 2));
        // unigrams: every token seen
        assertArrayEquals(new int[] {1, 2, 3}, NoRepeatNgram.banned(s, 5, 1));
        // 4-grams: (3, 1, 2) never occurred before
        assertArrayEquals(new int[0], NoRepeatNgram.banned(s, 5, 4));
        // several followers, sorted, no duplicates; only the first `length` tokens count
        int[] t = {7, 9, 7, 4, 7, 9, 7, 99};
        assertArrayEquals(new int[] {4, 9}, NoRepeatNgram.banned(t, 7, 2));
        // shorter than n - 1, or off
        assertArrayEquals(new int[0], NoRepeatNgram.banned(s, 2, 4));
        assertArrayEquals(new int[0], NoRepeatNgram.banned(s, 5, 0));
    }

    @Test
    void theBannedTokenIsNeverChosen() throws IOException {
        Gpt2Decoder gpt2 =
                new Gpt2Decoder(Gpt2FolderReader.read(Gpt2Fixtures.tinyDir()), DataType.DOUBLE);
        // the prompt's own bigrams count too (HF: the whole sequence)
        int[][] prompts = {{11, 22, 33}, {70, 5, 5, 5, 9, 18}, {65, 65, 65}};
        int max = 20;
        int[][] free = new BeamSearch(gpt2, new BeamOptions(3, 0.8, 0, max, -1)).generate(prompts);
        assertTrue(
                repeatsAnNgram(prompts, free, 2),
                "the random fixture was expected to repeat a bigram without the rule");
        for (int n : new int[] {1, 2, 3}) {
            int[][] blocked =
                    new BeamSearch(gpt2, new BeamOptions(3, 0.8, n, max, -1)).generate(prompts);
            assertFalse(repeatsAnNgram(prompts, blocked, n), "n = " + n);
        }
    }

    @Test
    void whenEveryTokenIsBannedTheHypothesesEndThere() {
        Gpt2Config config = Gpt2Config.of(6, 16, 8, 2, 2, 1e-5);
        Gpt2Decoder gpt2 = new Gpt2Decoder(Gpt2Fixtures.randomBackbone(config, 7), DataType.DOUBLE);
        // n = 1 bans every token seen: after 1, 2, 3 only 0, 4, 5 remain, once each
        int[] out =
                new BeamSearch(gpt2, new BeamOptions(2, 0.8, 1, 10, -1))
                        .generate(new int[][] {{1, 2, 3}})[0];
        int[] sorted = out.clone();
        java.util.Arrays.sort(sorted);
        assertArrayEquals(new int[] {0, 4, 5}, sorted);
    }

    /** Whether some output repeats an n-gram of its prompt + output (the prompt's own aside). */
    private static boolean repeatsAnNgram(int[][] prompts, int[][] outputs, int n) {
        for (int p = 0; p < prompts.length; p++) {
            int[] s = new int[prompts[p].length + outputs[p].length];
            System.arraycopy(prompts[p], 0, s, 0, prompts[p].length);
            System.arraycopy(outputs[p], 0, s, prompts[p].length, outputs[p].length);
            Set<List<Integer>> seen = new HashSet<>();
            for (int i = 0; i + n <= s.length; i++) {
                List<Integer> gram = new java.util.ArrayList<>();
                for (int j = 0; j < n; j++) gram.add(s[i + j]);
                // an n-gram ending inside the prompt was never the search's choice
                if (!seen.add(gram) && i + n > prompts[p].length) return true;
            }
        }
        return false;
    }
}
