package org.adamix.datasets.format;

import java.io.Closeable;
import java.io.IOException;
import org.adamix.datasets.SourceLocation;

/** The rows of one file, read in a single pass. */
public interface RecordSource extends Closeable {

    /**
     * The next row, or null at end of file. A bad row throws {@link RowProblem} (carrying its
     * position) and the source moves past it; a file that cannot be read on throws {@link
     * org.adamix.datasets.DatasetException}.
     */
    Record next() throws IOException, RowProblem;

    /** Whether positions are lines or rows. */
    SourceLocation.Unit unit();
}
