package org.adamix.datasets;

import java.io.Serializable;

/**
 * A column chosen by header name or by 0-based index. Indices only make sense for TSV/CSV; {@link
 * DatasetSpec} rejects them for other formats.
 */
public record Column(String name, int index) implements Serializable {

    public Column {
        if (name == null && index < 0) {
            throw new IllegalArgumentException("a column needs a name or an index >= 0");
        }
        if (name != null && (index != -1 || name.isEmpty())) {
            throw new IllegalArgumentException("a column is either a non-empty name or an index");
        }
    }

    public static Column byName(String name) {
        return new Column(name, -1);
    }

    public static Column byIndex(int index) {
        if (index < 0) {
            throw new IllegalArgumentException("column index must be >= 0, got " + index);
        }
        return new Column(null, index);
    }

    /**
     * Parses the command-line form: {@code #N} is the 0-based index N, anything else is a name. The
     * '#' keeps a column literally named "3" expressible.
     */
    public static Column parse(String s) {
        if (s == null || s.isEmpty()) {
            throw new IllegalArgumentException("empty column");
        }
        if (s.startsWith("#")) {
            try {
                return byIndex(Integer.parseInt(s.substring(1)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "bad column index '" + s + "': expected #N with N >= 0");
            }
        }
        return byName(s);
    }

    public boolean isIndex() {
        return name == null;
    }

    /** The form used in messages and accepted by {@link #parse}. */
    @Override
    public String toString() {
        return isIndex() ? "#" + index : name;
    }
}
