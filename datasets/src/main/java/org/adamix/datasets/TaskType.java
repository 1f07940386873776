package org.adamix.datasets;

import java.util.Locale;

/** What the label column holds. */
public enum TaskType {
    /** A class name (or integer) mapped to an index through a {@link LabelList}. */
    CLASSIFICATION,
    /** A finite float. */
    REGRESSION;

    public static TaskType parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "unknown task type '" + s + "': expected classification or regression");
        }
    }
}
