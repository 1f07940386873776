package org.adamix.datasets.tokenize;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hugging Face's ByteLevel pre-tokenizer: optionally prefix a space, split with GPT-2's pattern
 * (contractions, letter runs, digit runs, other symbol runs, each with one optional leading space;
 * whitespace), then write each piece's UTF-8 bytes in the byte-level alphabet.
 */
final class ByteLevelPreTokenizer implements PreTokenizer {
    // \s must be Unicode White_Space, as in the reference's regex engine, hence
    // UNICODE_CHARACTER_CLASS.
    private static final Pattern GPT2 =
            Pattern.compile(
                    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
                    Pattern.UNICODE_CHARACTER_CLASS);

    private final boolean addPrefixSpace;
    private final boolean useRegex;

    ByteLevelPreTokenizer(boolean addPrefixSpace, boolean useRegex) {
        this.addPrefixSpace = addPrefixSpace;
        this.useRegex = useRegex;
    }

    @Override
    public void split(String s, List<String> words) {
        if (addPrefixSpace && !s.startsWith(" ")) {
            s = " " + s;
        }
        if (!useRegex) {
            if (!s.isEmpty()) {
                words.add(ByteLevelAlphabet.encode(s));
            }
            return;
        }
        Matcher m = GPT2.matcher(s);
        int last = 0;
        while (m.find()) {
            if (m.start() > last) {
                // Unmatched gaps are kept as words, like the reference's "isolated" split (the
                // pattern covers all).
                words.add(ByteLevelAlphabet.encode(s.substring(last, m.start())));
            }
            words.add(ByteLevelAlphabet.encode(m.group()));
            last = m.end();
        }
        if (last < s.length()) {
            words.add(ByteLevelAlphabet.encode(s.substring(last)));
        }
    }
}
