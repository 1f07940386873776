package org.adamix.datasets.tokenize;

import java.nio.charset.StandardCharsets;

/**
 * GPT-2's reversible map from bytes to printable characters: printable Latin-1 bytes map to themselves, the
 * other 68 bytes to U+0100 and up, in byte order. Byte-level BPE vocabularies are written in this alphabet.
 */
final class ByteLevelAlphabet {
    private static final char[] BYTE_TO_CHAR = new char[256];

    static {
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            BYTE_TO_CHAR[b] = (char) (printable ? b : next++);
        }
    }

    private ByteLevelAlphabet() {
    }

    static char charOf(int unsignedByte) {
        return BYTE_TO_CHAR[unsignedByte];
    }

    /** The UTF-8 bytes of {@code s}, one character per byte. */
    static String encode(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        char[] out = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        }
        return new String(out);
    }
}
