package org.adamix.datasets;

import java.util.Locale;

/** File formats the readers understand. */
public enum Format {
    /** GLUE-style tab-separated values: no quoting at all, a quote character is literal. */
    TSV,
    /**
     * RFC 4180 comma-separated values: quoted fields may hold commas, newlines and doubled quotes.
     */
    CSV,
    /** One JSON object per line. */
    JSONL,
    /** Apache Parquet, flat schema. */
    PARQUET;

    /** True for the formats whose columns have an order (and so can be chosen by index). */
    public boolean isDelimited() {
        return this == TSV || this == CSV;
    }

    public static Format parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "unknown format '" + s + "': expected tsv, csv, jsonl or parquet");
        }
    }

    public String lowerName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
