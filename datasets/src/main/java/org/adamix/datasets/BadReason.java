package org.adamix.datasets;

/** Why a row could not become an example. The description starts every bad-row message. */
public enum BadReason {
    WRONG_COLUMN_COUNT("wrong column count"),
    EMPTY_TEXT("empty text"),
    UNKNOWN_LABEL("unknown label"),
    INVALID_UTF8("invalid UTF-8"),
    UNPARSABLE_NUMBER("unparsable number"),
    MALFORMED_JSON("malformed JSON"),
    MALFORMED_CSV("malformed CSV"),
    MISSING_FIELD("missing field"),
    WRONG_TYPE("wrong type"),
    RECORD_TOO_LONG("record too long");

    private final String description;

    BadReason(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }
}
