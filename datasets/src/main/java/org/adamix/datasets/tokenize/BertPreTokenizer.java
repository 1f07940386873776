package org.adamix.datasets.tokenize;

import java.util.List;

/**
 * Hugging Face's BertPreTokenizer: split on whitespace (dropped), then make every punctuation
 * character a word of its own. A hand loop: one pass, no regex.
 */
final class BertPreTokenizer implements PreTokenizer {

    @Override
    public void split(String s, List<String> words) {
        int start = -1;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            int next = i + Character.charCount(cp);
            if (BertChars.isWhitespace(cp)) {
                if (start >= 0) {
                    words.add(s.substring(start, i));
                    start = -1;
                }
            } else if (BertChars.isPunctuation(cp)) {
                if (start >= 0) {
                    words.add(s.substring(start, i));
                    start = -1;
                }
                words.add(s.substring(i, next));
            } else if (start < 0) {
                start = i;
            }
            i = next;
        }
        if (start >= 0) {
            words.add(s.substring(start));
        }
    }
}
