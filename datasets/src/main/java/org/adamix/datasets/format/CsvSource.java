package org.adamix.datasets.format;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.adamix.datasets.BadReason;
import org.adamix.datasets.Column;
import org.adamix.datasets.DatasetException;

/**
 * RFC 4180 CSV: a quoted field may hold commas, line breaks (kept as they were in the file) and
 * doubled quotes. Strict: a quote inside an unquoted field or text after a closing quote is a bad
 * row, which ends at the end of the physical line where the problem is found.
 */
final class CsvSource extends DelimitedSource {
    private final int maxRecordChars;

    CsvSource(String file, LineReader lines, List<Column> columns) {
        super(file, lines, columns);
        this.maxRecordChars = lines.maxLineBytes();
    }

    @Override
    protected String[] readFields() throws IOException, RowProblem {
        Line line = firstLine();
        if (line == null) {
            return null;
        }
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean inQuotes = false;
        boolean closed = false; // the current field was quoted and its closing quote was seen
        Line firstInvalid = null;
        int recordChars = 0;
        while (true) {
            if (line.tooLong()) {
                // Where a CSV record ends cannot be known without its text, so skipping would be a
                // guess.
                throw new DatasetException(
                        file
                                + ": line "
                                + line.number()
                                + " is longer than "
                                + maxRecordChars
                                + " bytes; cannot find where the CSV record starting at line "
                                + recordStart()
                                + " ends");
            }
            if (!line.validUtf8() && firstInvalid == null) {
                firstInvalid = line;
            }
            String s = line.text();
            recordChars += s.length();
            if (recordChars > maxRecordChars) {
                throw new DatasetException(
                        file
                                + ": CSV record starting at line "
                                + recordStart()
                                + " is longer than "
                                + maxRecordChars
                                + " characters (an unterminated quoted field?)");
            }
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (inQuotes) {
                    if (c == '"') {
                        if (i + 1 < s.length() && s.charAt(i + 1) == '"') {
                            field.append('"');
                            i++;
                        } else {
                            inQuotes = false;
                            closed = true;
                        }
                    } else {
                        field.append(c);
                    }
                } else if (c == ',') {
                    fields.add(field.toString());
                    field.setLength(0);
                    closed = false;
                } else if (closed) {
                    throw problem(
                            firstInvalid,
                            "text after the closing quote of field "
                                    + (fields.size() + 1)
                                    + " on line "
                                    + line.number());
                } else if (c == '"') {
                    if (field.length() > 0) {
                        throw problem(
                                firstInvalid,
                                "quote inside unquoted field "
                                        + (fields.size() + 1)
                                        + " on line "
                                        + line.number());
                    }
                    inQuotes = true;
                } else {
                    field.append(c);
                }
            }
            if (!inQuotes) {
                break;
            }
            // A line break inside a quoted field belongs to the field.
            field.append(line.terminator());
            Line next = lines.next();
            if (next == null) {
                throw problem(
                        firstInvalid,
                        "unterminated quoted field " + (fields.size() + 1) + " at end of file");
            }
            line = next;
        }
        fields.add(field.toString());
        if (firstInvalid != null) {
            throw invalidUtf8(firstInvalid, recordStart());
        }
        return toArray(fields);
    }

    /**
     * Bad bytes take precedence: the structure found in a lenient decoding is not to be trusted.
     */
    private RowProblem problem(Line firstInvalid, String detail) {
        if (firstInvalid != null) {
            return invalidUtf8(firstInvalid, recordStart());
        }
        return new RowProblem(BadReason.MALFORMED_CSV, detail, recordStart());
    }
}
