package org.adamix.datasets.format;

import java.io.IOException;
import java.util.List;
import org.adamix.datasets.BadReason;
import org.adamix.datasets.Column;

/** GLUE-style TSV: one row per line, fields split on tabs, no quoting. */
final class TsvSource extends DelimitedSource {

    TsvSource(String file, LineReader lines, List<Column> columns) {
        super(file, lines, columns);
    }

    @Override
    protected String[] readFields() throws IOException, RowProblem {
        Line line = firstLine();
        if (line == null) {
            return null;
        }
        if (line.tooLong()) {
            throw new RowProblem(
                    BadReason.RECORD_TOO_LONG,
                    "line longer than " + lines.maxLineBytes() + " bytes",
                    recordStart());
        }
        if (!line.validUtf8()) {
            throw invalidUtf8(line, recordStart());
        }
        return splitTabs(line.text());
    }
}
