package org.adamix.datasets.tokenize;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every code point of the planes in use, inside a word and alone, through MiniLM's tokenizer and
 * the reference: this pins down the character classes (controls, whitespace, punctuation, accents,
 * CJK, case) code point by code point, including the reference's older Unicode tables.
 */
class TokenizerUnicodeScanTest {
    private static final int CHUNK = 64;

    @Test
    void everyCodePointIsClassifiedAsTheReferenceDoes() throws Exception {
        Path json = TokenizerTestData.miniLmTokenizerJson();
        EncodeOptions options = EncodeOptions.DEFAULT.withSpecialTokens(false);
        Tokenizer ours = Tokenizers.load(json).withOptions(options);
        List<String> mismatches = new ArrayList<>();
        try (ReferenceTokenizer ref = new ReferenceTokenizer(json, options)) {
            int[][] ranges = {
                {0, 0x3FFFF}, {0xE0000, 0xE0FFF}, {0xF0000, 0xF00FF}, {0x10FF00, 0x10FFFF}
            };
            for (int[] range : ranges) {
                for (int from = range[0]; from <= range[1]; from += CHUNK) {
                    int to = Math.min(from + CHUNK, range[1] + 1);
                    if (!same(ref, ours, text(from, to))) {
                        // Narrow the chunk down to its code points, to report each one.
                        for (int cp = from; cp < to; cp++) {
                            String t = text(cp, cp + 1);
                            if (!same(ref, ours, t)) {
                                mismatches.add(
                                        String.format(
                                                "U+%04X ref=%s ours=%s",
                                                cp,
                                                Arrays.toString(ref.tokens(t)),
                                                ours.tokenize(t)));
                            }
                        }
                    }
                }
            }
        }
        assertEquals(
                List.of(),
                mismatches.subList(0, Math.min(50, mismatches.size())),
                mismatches.size() + " code points differ");
    }

    /**
     * Each code point inside a word ("aXa", to see whether it splits it) and alone; surrogates
     * skipped.
     */
    private static String text(int from, int to) {
        StringBuilder s = new StringBuilder();
        for (int cp = from; cp < to; cp++) {
            if (cp < Character.MIN_SURROGATE || cp > Character.MAX_SURROGATE) {
                s.append(" a").appendCodePoint(cp).append("a ").appendCodePoint(cp);
            }
        }
        return s.toString();
    }

    private static boolean same(ReferenceTokenizer ref, Tokenizer ours, String text) {
        return ref.encode(text, null).equals(ours.encode(text));
    }
}
