package org.adamix.datasets.format;

import java.util.regex.Pattern;
import org.adamix.datasets.BadReason;
import org.adamix.datasets.Column;

/** Strict text-to-float parsing: plain decimal notation only, finite, nothing trimmed. */
public final class Numbers {
    // Float.parseFloat would also take "NaN", "Infinity", "0x1p3", "1f" and surrounding spaces.
    private static final Pattern DECIMAL =
            Pattern.compile("[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)?");

    private Numbers() {}

    public static float parse(Column c, String s) throws RowProblem {
        if (s.isEmpty()) {
            throw new RowProblem(BadReason.MISSING_FIELD, "column '" + c + "' is empty");
        }
        if (!DECIMAL.matcher(s).matches()) {
            throw new RowProblem(
                    BadReason.UNPARSABLE_NUMBER,
                    "column '" + c + "': '" + abbreviate(s) + "' is not a number");
        }
        return checkRange(c, Double.parseDouble(s), s);
    }

    public static float checkRange(Column c, double v, String text) throws RowProblem {
        float f = (float) v;
        if (Float.isInfinite(f) || Float.isNaN(f)) {
            throw new RowProblem(
                    BadReason.UNPARSABLE_NUMBER,
                    "column '" + c + "': " + abbreviate(text) + " is out of float range");
        }
        return f;
    }

    /** Keeps messages short when a whole paragraph sits where a number should be. */
    public static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }
}
