package org.adamix.datasets;

import java.io.Serializable;

/**
 * Where an example came from: the file (fully qualified Hadoop path) and the 1-based line (text
 * formats; the first line of a record that spans lines) or row (Parquet).
 */
public record SourceLocation(String file, long number, Unit unit) implements Serializable {

    public enum Unit {
        LINE,
        ROW;

        String word() {
            return this == LINE ? "line" : "row";
        }
    }

    /** e.g. {@code file:/data/sst2/train.tsv line 17}. */
    @Override
    public String toString() {
        return file + " " + unit.word() + " " + number;
    }
}
