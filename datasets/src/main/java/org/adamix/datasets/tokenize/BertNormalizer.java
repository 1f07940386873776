package org.adamix.datasets.tokenize;

import java.text.Normalizer.Form;

/**
 * Hugging Face's BertNormalizer: clean text (drop control characters, map whitespace to ' '), put
 * spaces around CJK ideographs, strip accents (NFD, drop non-spacing marks) and lowercase, in that
 * order. ASCII is handled in one pass; only texts with other characters pay for NFD and the general
 * lowercase.
 */
final class BertNormalizer implements Normalizer {
    private final boolean cleanText;
    private final boolean handleChineseChars;
    private final boolean stripAccents;
    private final boolean lowercase;

    /** {@code stripAccents == null} means "same as lowercase", as in the reference. */
    BertNormalizer(
            boolean cleanText,
            boolean handleChineseChars,
            Boolean stripAccents,
            boolean lowercase) {
        this.cleanText = cleanText;
        this.handleChineseChars = handleChineseChars;
        this.stripAccents = stripAccents == null ? lowercase : stripAccents;
        this.lowercase = lowercase;
    }

    @Override
    public String normalize(String text) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        boolean nonAscii = false;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (cleanText) {
                if (cp == 0 || cp == 0xFFFD || BertChars.isControl(cp)) {
                    continue;
                }
                if (BertChars.isWhitespace(cp)) {
                    out.append(' ');
                    continue;
                }
            }
            if (cp < 0x80) {
                // ASCII is unchanged by NFD, so lowercasing it here gives the same result as doing
                // it last.
                out.append((char) (lowercase && cp >= 'A' && cp <= 'Z' ? cp + 32 : cp));
            } else if (handleChineseChars && BertChars.isChinese(cp)) {
                nonAscii = true; // CJK compatibility ideographs still change under NFD
                out.append(' ').appendCodePoint(cp).append(' ');
            } else {
                nonAscii = true;
                out.appendCodePoint(cp);
            }
        }
        if (!nonAscii) {
            return out.toString();
        }
        String s = out.toString();
        if (stripAccents) {
            s = stripAccents(s);
        }
        if (lowercase) {
            s = lowercase(s);
        }
        return s;
    }

    static String stripAccents(String s) {
        String nfd = java.text.Normalizer.normalize(s, Form.NFD);
        StringBuilder out = new StringBuilder(nfd.length());
        for (int i = 0; i < nfd.length(); ) {
            int cp = nfd.codePointAt(i);
            i += Character.charCount(cp);
            if (!BertChars.isNonSpacingMark(cp)) {
                out.appendCodePoint(cp);
            }
        }
        return out.toString();
    }

    /**
     * Lowercases code point by code point like Rust's {@code char::to_lowercase}: no context rules
     * (a final sigma stays σ, unlike {@link String#toLowerCase}), and U+0130 becomes "i" +
     * combining dot.
     */
    static String lowercase(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == 0x130) {
                out.append("i\u0307");
            } else {
                out.appendCodePoint(Character.toLowerCase(cp));
            }
        }
        return out.toString();
    }
}
