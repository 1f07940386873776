package org.adamix.model.decoder;

import java.util.Arrays;

/**
 * Hugging Face's {@code no_repeat_ngram_size}: the tokens that would complete an n-gram already
 * present in the sequence. As HF does for a decoder-only model, the sequence is the whole of it,
 * prompt included, so an output never repeats an n-gram of its prompt either.
 */
final class NoRepeatNgram {
    private NoRepeatNgram() {}

    /**
     * The tokens banned after {@code sequence[0, length)}: every token that followed an earlier
     * occurrence of its last n - 1 tokens (n = 1: every token seen). Sorted, no duplicates; empty
     * when n is 0 or the sequence is shorter than n - 1.
     */
    static int[] banned(int[] sequence, int length, int n) {
        if (n <= 0 || length + 1 < n) return new int[0];
        int[] out = new int[length];
        int count = 0, prefix = length - (n - 1);
        // every earlier n-gram start i whose first n - 1 tokens equal the current last n - 1
        for (int i = 0; i + n <= length; i++) {
            boolean same = true;
            for (int j = 0; j < n - 1 && same; j++) same = sequence[i + j] == sequence[prefix + j];
            if (same) out[count++] = sequence[i + n - 1];
        }
        return Arrays.stream(out, 0, count).sorted().distinct().toArray();
    }
}
