package org.adamix.datasets.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LineReaderTest {

    /** An endless stream of numbered lines that counts how many bytes were taken from it. */
    static final class EndlessLines extends InputStream {
        long served;
        private byte[] current = new byte[0];
        private int pos;
        private long next;

        @Override
        public int read() {
            if (pos == current.length) {
                current = ("row " + next++ + "\tsome text\n").getBytes(StandardCharsets.UTF_8);
                pos = 0;
            }
            served++;
            return current[pos++] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            for (int i = 0; i < len; i++) {
                b[off + i] = (byte) read();
            }
            return len;
        }
    }

    @Test
    void readsAnEndlessStreamIncrementallyWithBoundedReadAhead() throws IOException {
        EndlessLines source = new EndlessLines();
        LineReader r = new LineReader(source, 1024);
        long consumed = 0;
        for (int i = 0; i < 200_000; i++) {
            Line line = r.next();
            assertEquals("row " + i + "\tsome text", line.text());
            consumed += line.text().length() + 1;
        }
        // Only one 64 KiB buffer is ever read ahead of the lines handed out.
        assertTrue(
                source.served - consumed <= 1 << 16,
                "read ahead " + (source.served - consumed) + " bytes");
    }

    @Test
    void skipsOverlongLinesWithoutKeepingThem() throws IOException {
        byte[] huge = new byte[5_000_000];
        java.util.Arrays.fill(huge, (byte) 'x');
        byte[] data =
                concat(
                        "first\n".getBytes(StandardCharsets.UTF_8),
                        huge,
                        "\nlast".getBytes(StandardCharsets.UTF_8));
        LineReader r = new LineReader(new ByteArrayInputStream(data), 100);
        assertEquals("first", r.next().text());
        Line skipped = r.next();
        assertTrue(skipped.tooLong());
        assertEquals(2, skipped.number());
        Line last = r.next();
        assertEquals("last", last.text());
        assertEquals("", last.terminator());
        assertEquals(3, last.number());
        assertNull(r.next());
    }

    @Test
    void terminatorsBomAndInvalidBytes() throws IOException {
        byte[] data =
                concat(
                        new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF},
                        "a\r\nb\n\n".getBytes(StandardCharsets.UTF_8),
                        new byte[] {'c', (byte) 0xE2, (byte) 0x82},
                        "\n".getBytes(StandardCharsets.UTF_8));
        LineReader r = new LineReader(new ByteArrayInputStream(data), 100);
        Line a = r.next();
        assertEquals("a", a.text());
        assertEquals("\r\n", a.terminator());
        assertEquals("b", r.next().text());
        Line empty = r.next();
        assertEquals("", empty.text());
        assertEquals(3, empty.number());
        Line bad = r.next();
        assertEquals(1, bad.invalidUtf8At()); // a truncated 3-byte sequence after 'c'
        assertNull(r.next());
    }

    @Test
    void strictUtf8AcceptsAllValidTextAndRejectsSurrogatesAndOverlongForms() {
        StrictUtf8 u = new StrictUtf8();
        String s = "ASCII, café, 日本語, 😀";
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        assertEquals(s, u.decode(b, 0, b.length));
        assertNull(
                u.decode(
                        new byte[] {'a', (byte) 0xED, (byte) 0xA0, (byte) 0x80},
                        0,
                        4)); // encoded surrogate
        assertEquals(1, u.errorOffset());
        assertNull(u.decode(new byte[] {(byte) 0xC0, (byte) 0xAF}, 0, 2)); // overlong '/'
        assertEquals(0, u.errorOffset());
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.write(p, 0, p.length);
        }
        return out.toByteArray();
    }
}
