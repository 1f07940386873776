package org.adamix.datasets.tokenize;

/**
 * Character classes of the BERT normalizer and pre-tokenizer, defined as the Hugging Face (Rust)
 * tokenizers define them, which differ slightly from Java's own {@code Character.isWhitespace}.
 */
final class BertChars {
    private BertChars() {}

    /** Unicode White_Space plus tab/newline/return (Rust's {@code char::is_whitespace}). */
    static boolean isWhitespace(int cp) {
        if (cp < 0x80) {
            return cp == ' ' || (cp >= 0x09 && cp <= 0x0D);
        }
        return cp == 0x85
                || cp == 0xA0
                || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A)
                || cp == 0x2028
                || cp == 0x2029
                || cp == 0x202F
                || cp == 0x205F
                || cp == 0x3000;
    }

    /**
     * Removed by clean_text: categories Cc, Cf, Co (Cs cannot occur in valid text), except
     * tab/newline/return (kept as whitespace). Unassigned code points (Cn) are kept, as the
     * reference keeps them.
     */
    static boolean isControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') {
            return false;
        }
        if (cp < 0x80) {
            return cp < 0x20 || cp == 0x7F;
        }
        return Unicode8Categories.isControlFormatOrPrivate(cp);
    }

    /** ASCII symbols 33-47, 58-64, 91-96, 123-126 or any Unicode punctuation category P*. */
    static boolean isPunctuation(int cp) {
        if (cp < 0x80) {
            return (cp >= 33 && cp <= 47)
                    || (cp >= 58 && cp <= 64)
                    || (cp >= 91 && cp <= 96)
                    || (cp >= 123 && cp <= 126);
        }
        return Unicode8Categories.isPunctuation(cp);
    }

    /** Non-spacing marks (Mn), which strip_accents drops after NFD. */
    static boolean isNonSpacingMark(int cp) {
        return Unicode8Categories.isNonSpacingMark(cp);
    }

    /**
     * CJK ideograph blocks, which handle_chinese_chars surrounds with spaces (ranges as in the
     * reference).
     */
    static boolean isChinese(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF)
                || (cp >= 0x3400 && cp <= 0x4DBF)
                || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F)
                || (cp >= 0x2B740 && cp <= 0x2B81F)
                || (cp >= 0x2B920 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF)
                || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }
}
