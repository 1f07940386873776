package org.adamix.datasets.format;

/**
 * One physical line of a text file.
 *
 * @param number 1-based line number
 * @param text the line without its terminator; if the bytes were not valid UTF-8 this is the
 *     lenient decoding (only good for finding structure such as quotes and commas); null when the
 *     line was too long and was skipped
 * @param terminator "\n", "\r\n", or "" for a last line without one
 * @param invalidUtf8At 0-based byte offset of the first malformed UTF-8 sequence, or -1
 */
public record Line(long number, String text, String terminator, int invalidUtf8At) {

    public boolean tooLong() {
        return text == null;
    }

    public boolean validUtf8() {
        return invalidUtf8At < 0;
    }
}
