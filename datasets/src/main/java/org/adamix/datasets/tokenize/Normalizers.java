package org.adamix.datasets.tokenize;

import java.text.Normalizer.Form;
import java.util.List;

/** The simple normalizers of the reference that are one call each, and their sequence. */
final class Normalizers {
    private Normalizers() {}

    static Normalizer unicode(Form form) {
        return text -> java.text.Normalizer.normalize(text, form);
    }

    static Normalizer lowercase() {
        return BertNormalizer::lowercase;
    }

    /** Drops non-spacing marks; the reference expects an NFD normalizer before it, as do we. */
    static Normalizer stripAccents() {
        return text -> {
            StringBuilder out = new StringBuilder(text.length());
            text.codePoints()
                    .filter(cp -> !BertChars.isNonSpacingMark(cp))
                    .forEach(out::appendCodePoint);
            return out.toString();
        };
    }

    static Normalizer sequence(List<Normalizer> steps) {
        List<Normalizer> copy = List.copyOf(steps);
        return text -> {
            for (Normalizer n : copy) {
                text = n.normalize(text);
            }
            return text;
        };
    }
}
