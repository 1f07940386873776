package org.adamix.datasets;

/** Under {@link BadRowPolicy#SKIP}, more rows were bad than the spec's maximum fraction allows. */
public class TooManyBadRowsException extends DatasetException {
    private final ReadReport report;

    public TooManyBadRowsException(String message, ReadReport report) {
        super(message);
        this.report = report;
    }

    public ReadReport report() {
        return report;
    }
}
