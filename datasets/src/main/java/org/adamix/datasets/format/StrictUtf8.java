package org.adamix.datasets.format;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Decodes UTF-8 and reports malformed input instead of replacing it with U+FFFD, so a file in the
 * wrong encoding is noticed rather than silently turned into different text. Not thread-safe.
 */
public final class StrictUtf8 {
    private final CharsetDecoder decoder =
            StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT);
    private CharBuffer chars = CharBuffer.allocate(256);
    private int errorOffset = -1;

    /**
     * The decoded text, or null if the bytes are not valid UTF-8 (then see {@link #errorOffset()}).
     */
    public String decode(byte[] bytes, int off, int len) {
        errorOffset = -1;
        if (isAscii(bytes, off, len)) {
            // Fast path: ASCII is valid UTF-8 and needs no decoder.
            return new String(bytes, off, len, StandardCharsets.ISO_8859_1);
        }
        if (chars.capacity() < len) {
            chars = CharBuffer.allocate(Math.max(len, chars.capacity() * 2));
        }
        chars.clear();
        decoder.reset();
        ByteBuffer in = ByteBuffer.wrap(bytes, off, len);
        CoderResult r = decoder.decode(in, chars, true);
        if (r.isError()) {
            errorOffset = in.position() - off;
            return null;
        }
        decoder.flush(chars);
        chars.flip();
        return chars.toString();
    }

    /** 0-based byte offset of the first malformed sequence of the last failed {@link #decode}. */
    public int errorOffset() {
        return errorOffset;
    }

    private static boolean isAscii(byte[] b, int off, int len) {
        for (int i = off, end = off + len; i < end; i++) {
            if (b[i] < 0) {
                return false;
            }
        }
        return true;
    }
}
