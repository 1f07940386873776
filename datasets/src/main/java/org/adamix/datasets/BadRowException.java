package org.adamix.datasets;

/**
 * The first bad row under {@link BadRowPolicy#FAIL}. The message names file, line/row and reason.
 */
public class BadRowException extends DatasetException {
    private final SourceLocation location;
    private final BadReason reason;

    public BadRowException(SourceLocation location, BadReason reason, String detail) {
        super(message(location, reason, detail));
        this.location = location;
        this.reason = reason;
    }

    /** {@code Bad row in <file> at line <n>: <reason>: <detail>}. */
    static String message(SourceLocation location, BadReason reason, String detail) {
        return "Bad row in "
                + location.file()
                + " at "
                + location.unit().word()
                + " "
                + location.number()
                + ": "
                + reason.description()
                + ": "
                + detail;
    }

    public SourceLocation location() {
        return location;
    }

    public BadReason reason() {
        return reason;
    }
}
