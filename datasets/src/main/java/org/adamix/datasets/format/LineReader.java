package org.adamix.datasets.format;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Splits a byte stream into lines with bounded memory. It splits on the byte '\n' before decoding,
 * which is safe in UTF-8 (0x0A never occurs inside a multi-byte sequence) and lets a line with bad
 * bytes be reported alone while the next line is read normally. Lines longer than the limit are
 * skipped up to their end and returned as {@link Line#tooLong()}.
 */
public final class LineReader implements Closeable {
    private final InputStream in;
    private final int maxLineBytes;
    private final byte[] buf = new byte[1 << 16];
    private int pos;
    private int limit;
    private boolean eof;
    private byte[] line = new byte[1024];
    private long lineNumber;
    private final StrictUtf8 utf8 = new StrictUtf8();

    public LineReader(InputStream in, int maxLineBytes) {
        this.in = in;
        this.maxLineBytes = maxLineBytes;
    }

    /** The next line, or null at end of input. */
    public Line next() throws IOException {
        int len = 0;
        boolean tooLong = false;
        boolean sawAnything = false;
        boolean sawNewline = false;
        while (!sawNewline) {
            if (pos == limit && !fill()) {
                break;
            }
            sawAnything = true;
            int start = pos;
            int i = start;
            while (i < limit && buf[i] != '\n') {
                i++;
            }
            int n = i - start;
            if (!tooLong) {
                if (len + n > maxLineBytes) {
                    tooLong = true; // keep scanning to the end of the line, but drop its bytes
                } else {
                    ensureCapacity(len + n);
                    System.arraycopy(buf, start, line, len, n);
                    len += n;
                }
            }
            pos = i;
            if (i < limit) {
                pos++;
                sawNewline = true;
            }
        }
        if (!sawAnything) {
            return null;
        }
        lineNumber++;
        String terminator = sawNewline ? "\n" : "";
        if (tooLong) {
            return new Line(lineNumber, null, terminator, -1);
        }
        int off = 0;
        if (lineNumber == 1
                && len >= 3
                && line[0] == (byte) 0xEF
                && line[1] == (byte) 0xBB
                && line[2] == (byte) 0xBF) {
            off = 3; // a UTF-8 byte order mark is not part of the first column's name
        }
        if (len > off && line[len - 1] == '\r') {
            len--;
            terminator = sawNewline ? "\r\n" : "\r";
        }
        String text = utf8.decode(line, off, len - off);
        if (text == null) {
            int at = utf8.errorOffset() + off;
            return new Line(
                    lineNumber,
                    new String(line, off, len - off, StandardCharsets.UTF_8),
                    terminator,
                    at);
        }
        return new Line(lineNumber, text, terminator, -1);
    }

    public int maxLineBytes() {
        return maxLineBytes;
    }

    private boolean fill() throws IOException {
        if (eof) {
            return false;
        }
        int n = in.read(buf, 0, buf.length);
        while (n == 0) {
            n = in.read(buf, 0, buf.length);
        }
        if (n < 0) {
            eof = true;
            return false;
        }
        pos = 0;
        limit = n;
        return true;
    }

    private void ensureCapacity(int n) {
        if (line.length < n) {
            line = Arrays.copyOf(line, Math.max(n, Math.min(line.length * 2, maxLineBytes)));
        }
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
