package org.adamix.datasets.tokenize;

import java.util.Arrays;

/**
 * Unicode general categories as the reference tokenizers see them. They classify punctuation,
 * non-spacing marks and control/format characters with Unicode 8.0 tables, while Java uses a newer
 * Unicode version. This lists the code points that are punctuation, Mn, Cc, Cf or Co in Unicode
 * 15.0 but were added after 8.0, so that they can be treated as the reference treats them: as
 * unassigned, i.e. ordinary word characters; plus the few older code points whose category changed
 * after 8.0. Derived from the Unicode Character Database (DerivedAge.txt and UnicodeData.txt,
 * version 15.0); checked code point by code point against the reference in the tests.
 */
final class Unicode8Categories {
    /** Inclusive ranges [first, last], sorted. */
    private static final int[] ADDED_AFTER_8_0 = {
        0x061D, 0x061D, 0x07FD, 0x07FD, 0x0890, 0x0891, 0x0898, 0x089F,
        0x08CA, 0x08E2, 0x09FD, 0x09FE, 0x0A76, 0x0A76, 0x0AFA, 0x0AFF,
        0x0B55, 0x0B55, 0x0C04, 0x0C04, 0x0C3C, 0x0C3C, 0x0C77, 0x0C77,
        0x0C84, 0x0C84, 0x0D00, 0x0D00, 0x0D3B, 0x0D3C, 0x0D81, 0x0D81,
        0x0EBA, 0x0EBA, 0x0ECE, 0x0ECE, 0x180F, 0x180F, 0x1ABF, 0x1ACE,
        0x1B7D, 0x1B7E, 0x1DF6, 0x1DFB, 0x2E43, 0x2E4F, 0x2E52, 0x2E5D,
        0xA82C, 0xA82C, 0xA8C5, 0xA8C5, 0xA8FF, 0xA8FF, 0x10D24, 0x10D27,
        0x10EAB, 0x10EAD, 0x10EFD, 0x10EFF, 0x10F46, 0x10F50, 0x10F55, 0x10F59,
        0x10F82, 0x10F89, 0x11070, 0x11070, 0x11073, 0x11074, 0x110C2, 0x110C2,
        0x110CD, 0x110CD, 0x111CF, 0x111CF, 0x1123E, 0x1123E, 0x11241, 0x11241,
        0x1133B, 0x1133B, 0x11438, 0x1143F, 0x11442, 0x11444, 0x11446, 0x11446,
        0x1144B, 0x1144F, 0x1145A, 0x1145B, 0x1145D, 0x1145E, 0x11660, 0x1166C,
        0x116B9, 0x116B9, 0x1182F, 0x11837, 0x11839, 0x1183B, 0x1193B, 0x1193C,
        0x1193E, 0x1193E, 0x11943, 0x11946, 0x119D4, 0x119D7, 0x119DA, 0x119DB,
        0x119E0, 0x119E0, 0x119E2, 0x119E2, 0x11A01, 0x11A0A, 0x11A33, 0x11A38,
        0x11A3B, 0x11A47, 0x11A51, 0x11A56, 0x11A59, 0x11A5B, 0x11A8A, 0x11A96,
        0x11A98, 0x11A9C, 0x11A9E, 0x11AA2, 0x11B00, 0x11B09, 0x11C30, 0x11C36,
        0x11C38, 0x11C3D, 0x11C3F, 0x11C3F, 0x11C41, 0x11C45, 0x11C70, 0x11C71,
        0x11C92, 0x11CA7, 0x11CAA, 0x11CB0, 0x11CB2, 0x11CB3, 0x11CB5, 0x11CB6,
        0x11D31, 0x11D36, 0x11D3A, 0x11D3A, 0x11D3C, 0x11D3D, 0x11D3F, 0x11D45,
        0x11D47, 0x11D47, 0x11D90, 0x11D91, 0x11D95, 0x11D95, 0x11D97, 0x11D97,
        0x11EF3, 0x11EF4, 0x11EF7, 0x11EF8, 0x11F00, 0x11F01, 0x11F36, 0x11F3A,
        0x11F40, 0x11F40, 0x11F42, 0x11F4F, 0x11FFF, 0x11FFF, 0x12FF1, 0x12FF2,
        0x13430, 0x13440, 0x13447, 0x13455, 0x16E97, 0x16E9A, 0x16F4F, 0x16F4F,
        0x16FE2, 0x16FE2, 0x16FE4, 0x16FE4, 0x1CF00, 0x1CF2D, 0x1CF30, 0x1CF46,
        0x1E000, 0x1E006, 0x1E008, 0x1E018, 0x1E01B, 0x1E021, 0x1E023, 0x1E024,
        0x1E026, 0x1E02A, 0x1E08F, 0x1E08F, 0x1E130, 0x1E136, 0x1E2AE, 0x1E2AE,
        0x1E2EC, 0x1E2EF, 0x1E4EC, 0x1E4EF, 0x1E944, 0x1E94A, 0x1E95E, 0x1E95F
    };

    private Unicode8Categories() {}

    /** Category P* (Pc Pd Ps Pe Pi Pf Po) as of Unicode 8.0. */
    static boolean isPunctuation(int cp) {
        // Were Po in 8.0, changed later (to So and Mn).
        if (cp == 0x166D || cp == 0x111C9) {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.CONNECTOR_PUNCTUATION,
                    Character.DASH_PUNCTUATION,
                    Character.START_PUNCTUATION,
                    Character.END_PUNCTUATION,
                    Character.INITIAL_QUOTE_PUNCTUATION,
                    Character.FINAL_QUOTE_PUNCTUATION,
                    Character.OTHER_PUNCTUATION ->
                    !addedAfter8(cp);
            default -> false;
        };
    }

    /** Category Mn as of Unicode 8.0. */
    static boolean isNonSpacingMark(int cp) {
        // Became Mn after 8.0 (from Lo, Mc and Po).
        if (cp == 0x1885 || cp == 0x1886 || cp == 0xA9BD || cp == 0x111C9) {
            return false;
        }
        return Character.getType(cp) == Character.NON_SPACING_MARK && !addedAfter8(cp);
    }

    /** Categories Cc, Cf, Co (and Cs, which valid text lacks) as of Unicode 8.0. */
    static boolean isControlFormatOrPrivate(int cp) {
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.PRIVATE_USE, Character.SURROGATE ->
                    !addedAfter8(cp);
            default -> false;
        };
    }

    private static boolean addedAfter8(int cp) {
        if (cp < ADDED_AFTER_8_0[0]) {
            return false;
        }
        int i = Arrays.binarySearch(ADDED_AFTER_8_0, cp);
        if (i >= 0) {
            return true;
        }
        int insertion = -i - 1;
        // Inside a range when the previous element is a range start (even index).
        return insertion % 2 == 1;
    }
}
