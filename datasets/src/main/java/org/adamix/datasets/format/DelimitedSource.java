package org.adamix.datasets.format;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.adamix.datasets.BadReason;
import org.adamix.datasets.Column;
import org.adamix.datasets.DatasetException;
import org.adamix.datasets.SourceLocation;

/**
 * What TSV and CSV share: an optional header row that names the columns, and a fixed number of
 * fields per row (the header's, or else the first row's).
 */
abstract class DelimitedSource implements RecordSource {
    protected final String file;
    protected final LineReader lines;
    private final List<Column> columns;
    private final Map<Column, Integer> resolved = new HashMap<>();
    private int expectedFields = -1;
    private long recordStart;

    DelimitedSource(String file, LineReader lines, List<Column> columns) {
        this.file = file;
        this.lines = lines;
        this.columns = columns;
    }

    /** The fields of the next record, or null at end of file. */
    protected abstract String[] readFields() throws IOException, RowProblem;

    /**
     * The first line of the next record, or null at end of file; {@link #recordStart} then names
     * it.
     */
    protected final Line firstLine() throws IOException {
        Line line = lines.next();
        if (line != null) {
            recordStart = line.number();
        }
        return line;
    }

    /** The first line of the record last returned by {@link #readFields}. */
    protected final long recordStart() {
        return recordStart;
    }

    /**
     * Reads the header row and finds the named columns in it. Bad headers are fatal: nothing after
     * them can be trusted.
     */
    final void readHeader() throws IOException {
        String[] names;
        try {
            names = readFields();
        } catch (RowProblem p) {
            throw new DatasetException(
                    file + ": bad header row: " + p.reason().description() + ": " + p.detail());
        }
        if (names == null) {
            throw new DatasetException(file + ": empty file, expected a header row");
        }
        expectedFields = names.length;
        Map<String, Integer> byName = new HashMap<>();
        Set<String> repeated = new HashSet<>();
        for (int i = 0; i < names.length; i++) {
            if (byName.putIfAbsent(names[i], i) != null) {
                repeated.add(names[i]);
            }
        }
        for (Column c : columns) {
            if (c.isIndex()) {
                checkIndex(c, "the header row has " + names.length + " columns");
                resolved.put(c, c.index());
            } else {
                Integer i = byName.get(c.name());
                if (i == null) {
                    throw new DatasetException(
                            file
                                    + ": no column '"
                                    + c.name()
                                    + "' in header row "
                                    + Arrays.toString(names));
                }
                if (repeated.contains(c.name())) {
                    throw new DatasetException(
                            file
                                    + ": column '"
                                    + c.name()
                                    + "' appears more than once in the header row");
                }
                resolved.put(c, i);
            }
        }
    }

    private void checkIndex(Column c, String why) {
        if (c.index() >= expectedFields) {
            throw new DatasetException(file + ": column " + c + " is out of range: " + why);
        }
    }

    @Override
    public final Record next() throws IOException, RowProblem {
        String[] fields = readFields();
        if (fields == null) {
            return null;
        }
        if (expectedFields < 0) {
            // No header: the first row fixes the number of fields.
            expectedFields = fields.length;
            for (Column c : columns) {
                checkIndex(
                        c,
                        "the first row (line "
                                + recordStart()
                                + ") has "
                                + fields.length
                                + " fields");
                resolved.put(c, c.index());
            }
        }
        if (fields.length != expectedFields) {
            throw new RowProblem(
                    BadReason.WRONG_COLUMN_COUNT,
                    "expected " + expectedFields + " fields, found " + fields.length,
                    recordStart());
        }
        return new FieldsRecord(recordStart(), fields, resolved);
    }

    @Override
    public final SourceLocation.Unit unit() {
        return SourceLocation.Unit.LINE;
    }

    @Override
    public void close() throws IOException {
        lines.close();
    }

    static RowProblem invalidUtf8(Line line, long recordStart) {
        return new RowProblem(
                BadReason.INVALID_UTF8,
                "malformed byte sequence at byte offset "
                        + line.invalidUtf8At()
                        + " of line "
                        + line.number(),
                recordStart);
    }

    static String[] toArray(List<String> fields) {
        return fields.toArray(new String[0]);
    }

    /** Splits on every tab; GLUE files never quote, so a quote is an ordinary character. */
    static String[] splitTabs(String s) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '\t') {
                out.add(s.substring(start, i));
                start = i + 1;
            }
        }
        out.add(s.substring(start));
        return toArray(out);
    }

    /** A row of a delimited file. */
    private record FieldsRecord(long position, String[] fields, Map<Column, Integer> resolved)
            implements Record {

        @Override
        public String text(Column c) {
            return fields[resolved.get(c)];
        }

        @Override
        public String key(Column c) {
            return fields[resolved.get(c)];
        }

        @Override
        public float number(Column c) throws RowProblem {
            return Numbers.parse(c, fields[resolved.get(c)]);
        }
    }
}
