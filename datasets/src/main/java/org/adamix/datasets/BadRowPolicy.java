package org.adamix.datasets;

import java.util.Locale;

/** What a reader does with a row it cannot turn into an example. */
public enum BadRowPolicy {
    /** Throw {@link BadRowException} at the first bad row. */
    FAIL,
    /**
     * Skip bad rows, count them per reason in the {@link ReadReport}, fail only beyond a maximum
     * fraction.
     */
    SKIP;

    public static BadRowPolicy parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "unknown bad-row policy '" + s + "': expected fail or skip");
        }
    }
}
