package org.adamix.datasets.format;

import org.adamix.datasets.BadReason;

/**
 * A row that cannot become an example. Checked, and without a stack trace because under the skip
 * policy it is ordinary control flow. The reader is positioned after the bad row, so reading can go
 * on.
 */
public final class RowProblem extends Exception {
    private final BadReason reason;
    private final long position;

    /**
     * @param position the row's line or row number, or -1 when the caller knows it
     */
    public RowProblem(BadReason reason, String detail, long position) {
        super(detail, null, false, false);
        this.reason = reason;
        this.position = position;
    }

    public RowProblem(BadReason reason, String detail) {
        this(reason, detail, -1);
    }

    public BadReason reason() {
        return reason;
    }

    public String detail() {
        return getMessage();
    }

    public long position() {
        return position;
    }
}
