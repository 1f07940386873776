package org.adamix.datasets.format;

import org.adamix.datasets.Column;

/**
 * One raw row of a file, before a {@link org.adamix.datasets.DatasetSpec} turns it into an example.
 */
public interface Record {

    /** 1-based line (text formats) or row (Parquet) number. */
    long position();

    /** A text value, possibly empty. MISSING_FIELD if absent or null, WRONG_TYPE if not text. */
    String text(Column c) throws RowProblem;

    /** A class label or an id: a string or an integer, as text. */
    String key(Column c) throws RowProblem;

    /** A finite float. UNPARSABLE_NUMBER if it is not one. */
    float number(Column c) throws RowProblem;
}
