package org.adamix.datasets.generation.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The tokens BLEU and ROUGE-L count here: the text lower-cased (Unicode default case mapping,
 * {@link Locale#ROOT}) and split on runs of white space, the same characters Python's {@code
 * str.split()} splits on. So a Python reference computing on {@code text.lower().split()} sees the
 * same tokens (Java 17 knows Unicode 13: the 40 capitals Unicode 14 added are not lower-cased
 * here).
 *
 * <p>Punctuation stays attached: {@code "centre."} is one token and differs from {@code "centre"}.
 * The E2E challenge scorer instead splits punctuation off (mteval-13a tokenization, for BLEU) or
 * drops it (Stanford PTB tokenizer, for ROUGE-L), so the scores here are lower than its scores on
 * the same outputs; compare them with each other, not with published E2E numbers.
 */
public final class MetricTokens {
    private MetricTokens() {}

    public static List<String> of(String text) {
        String s = text.toLowerCase(Locale.ROOT);
        List<String> tokens = new ArrayList<>();
        int start = -1;
        for (int i = 0; i < s.length(); i++) {
            if (isSpace(s.charAt(i))) {
                if (start >= 0) {
                    tokens.add(s.substring(start, i));
                    start = -1;
                }
            } else if (start < 0) {
                start = i;
            }
        }
        if (start >= 0) {
            tokens.add(s.substring(start));
        }
        return tokens;
    }

    /**
     * Python's str.isspace(): controls 9-13 and 28-31, U+0085, and the space separators (all in the
     * BMP).
     */
    static boolean isSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085';
    }

    /** Every text's tokens. */
    static List<List<String>> ofAll(List<String> texts) {
        List<List<String>> out = new ArrayList<>(texts.size());
        for (String t : texts) {
            out.add(of(t));
        }
        return out;
    }
}
