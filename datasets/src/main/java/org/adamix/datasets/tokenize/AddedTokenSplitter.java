package org.adamix.datasets.tokenize;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * Cuts added tokens out of a text, leftmost match first and, at one position, the longest token
 * first. The pieces between matches go on to normalization and pre-tokenization; the matches become
 * their ids directly.
 */
final class AddedTokenSplitter {
    private final List<AddedToken> tokens;

    /**
     * Whether some token starts with this UTF-16 unit: most positions are rejected by one array
     * read.
     */
    private final boolean[] isFirstChar = new boolean[65536];

    AddedTokenSplitter(List<AddedToken> tokens) {
        List<AddedToken> sorted = new ArrayList<>();
        for (AddedToken t : tokens) {
            if (!t.content().isEmpty()) {
                sorted.add(t);
                isFirstChar[t.content().charAt(0)] = true;
            }
        }
        sorted.sort(Comparator.comparingInt((AddedToken t) -> t.content().length()).reversed());
        this.tokens = sorted;
    }

    boolean isEmpty() {
        return tokens.isEmpty();
    }

    void split(String text, Consumer<String> onText, IntConsumer onToken) {
        if (tokens.isEmpty()) {
            onText.accept(text);
            return;
        }
        int emitted = 0;
        int i = 0;
        while (i < text.length()) {
            AddedToken match = isFirstChar[text.charAt(i)] ? matchAt(text, i) : null;
            if (match == null) {
                i++;
                continue;
            }
            int start = i;
            int stop = i + match.content().length();
            if (match.lstrip()) {
                while (start > emitted && BertChars.isWhitespace(text.charAt(start - 1))) {
                    start--;
                }
            }
            if (match.rstrip()) {
                while (stop < text.length() && BertChars.isWhitespace(text.charAt(stop))) {
                    stop++;
                }
            }
            if (start > emitted) {
                onText.accept(text.substring(emitted, start));
            }
            onToken.accept(match.id());
            emitted = stop;
            i = stop;
        }
        if (emitted < text.length()) {
            onText.accept(text.substring(emitted));
        }
    }

    private AddedToken matchAt(String text, int i) {
        for (AddedToken t : tokens) {
            String c = t.content();
            if (text.startsWith(c, i)
                    && (!t.singleWord()
                            || (!endsWithWordChar(text, i)
                                    && !startsWithWordChar(text, i + c.length())))) {
                return t;
            }
        }
        return null;
    }

    private static boolean endsWithWordChar(String text, int end) {
        return end > 0 && isWordChar(text.codePointBefore(end));
    }

    private static boolean startsWithWordChar(String text, int start) {
        return start < text.length() && isWordChar(text.codePointAt(start));
    }

    /** Unicode \w: letters, marks, decimal digits, connector punctuation, joiners. */
    private static boolean isWordChar(int cp) {
        if (Character.isAlphabetic(cp) || cp == 0x200C || cp == 0x200D) {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.NON_SPACING_MARK,
                    Character.ENCLOSING_MARK,
                    Character.COMBINING_SPACING_MARK,
                    Character.DECIMAL_DIGIT_NUMBER,
                    Character.CONNECTOR_PUNCTUATION ->
                    true;
            default -> false;
        };
    }
}
