package org.adamix.datasets;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How to turn the rows of a dataset into {@link Example}s. Build it with {@link #builder(Format)}
 * or parse it from command-line style options with {@link #fromOptions(Map)}; both reject
 * incoherent combinations with an {@link IllegalArgumentException} that says what is wrong.
 *
 * @param format file format
 * @param textColumn first text
 * @param pairColumn second text of a sentence pair, or null
 * @param labelColumn label, or null for unlabelled data (e.g. GLUE test sets)
 * @param idColumn column holding a stable example id, or null to use {@code <file name>:<line>}
 * @param task classification or regression
 * @param labels class names in index order; null for regression, or for classification when the
 *     list is still to be collected with {@link LabelCollector}
 * @param header TSV/CSV only: the first line names the columns
 * @param badRows what to do with a bad row
 * @param maxBadFraction SKIP only: reading fails when more than this fraction of rows is bad
 * @param maxRecordBytes longest accepted line (or CSV record), so memory stays bounded
 */
public record DatasetSpec(
        Format format,
        Column textColumn,
        Column pairColumn,
        Column labelColumn,
        Column idColumn,
        TaskType task,
        LabelList labels,
        boolean header,
        BadRowPolicy badRows,
        double maxBadFraction,
        int maxRecordBytes)
        implements Serializable {

    public static final double DEFAULT_MAX_BAD_FRACTION = 0.01;
    public static final int DEFAULT_MAX_RECORD_BYTES = 16 << 20;

    public DatasetSpec {
        require(format != null, "a format is required");
        require(textColumn != null, "a text column is required");
        require(task != null, "a task type is required");
        require(badRows != null, "a bad-row policy is required");
        require(
                !header || format.isDelimited(),
                "a header row applies to tsv and csv only, not " + format.lowerName());
        for (Column c : columns(textColumn, pairColumn, labelColumn, idColumn)) {
            if (c.isIndex()) {
                require(
                        format.isDelimited(),
                        "column "
                                + c
                                + ": columns by index apply to tsv and csv only, "
                                + format.lowerName()
                                + " columns are chosen by name");
            } else {
                require(
                        !format.isDelimited() || header,
                        "column '"
                                + c
                                + "' is chosen by name but the file has no header row: use #N indices");
            }
        }
        List<Column> all = columns(textColumn, pairColumn, labelColumn, idColumn);
        require(
                all.stream().distinct().count() == all.size(),
                "text, pair, label and id columns must be different columns, got " + all);
        require(
                task == TaskType.CLASSIFICATION || labels == null,
                "a label list makes no sense for regression");
        require(
                labelColumn != null || labels == null,
                "a label list was given but no label column");
        require(
                maxBadFraction >= 0 && maxBadFraction <= 1,
                "max bad fraction must be in [0, 1], got " + maxBadFraction);
        require(
                badRows == BadRowPolicy.SKIP || maxBadFraction == 0,
                "a max bad fraction only applies to the skip policy");
        require(maxRecordBytes > 0, "max record bytes must be > 0, got " + maxRecordBytes);
    }

    private static List<Column> columns(Column... cs) {
        List<Column> list = new ArrayList<>();
        for (Column c : cs) {
            if (c != null) {
                list.add(c);
            }
        }
        return list;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("incoherent dataset spec: " + message);
        }
    }

    public boolean isPair() {
        return pairColumn != null;
    }

    public boolean isLabelled() {
        return labelColumn != null;
    }

    /** A copy with the given label list, e.g. one that {@link LabelCollector} collected. */
    public DatasetSpec withLabels(LabelList newLabels) {
        return new DatasetSpec(
                format,
                textColumn,
                pairColumn,
                labelColumn,
                idColumn,
                task,
                newLabels,
                header,
                badRows,
                maxBadFraction,
                maxRecordBytes);
    }

    public static Builder builder(Format format) {
        return new Builder(format);
    }

    /**
     * Option keys of {@link #fromOptions}: format, text, pair, label, id, task, labels, header,
     * bad-rows, max-bad-fraction, max-record-bytes.
     */
    public static final List<String> OPTION_KEYS =
            List.of(
                    "format",
                    "text",
                    "pair",
                    "label",
                    "id",
                    "task",
                    "labels",
                    "header",
                    "bad-rows",
                    "max-bad-fraction",
                    "max-record-bytes");

    /**
     * Parses command-line style options, e.g. {@code format=tsv text=sentence label=label
     * labels=0,1}. Columns use {@link Column#parse} ({@code #N} for an index); labels are
     * comma-separated.
     */
    public static DatasetSpec fromOptions(Map<String, String> options) {
        for (String key : options.keySet()) {
            if (!OPTION_KEYS.contains(key)) {
                throw new IllegalArgumentException(
                        "unknown dataset option '"
                                + key
                                + "': known options are "
                                + String.join(", ", OPTION_KEYS));
            }
        }
        String format = options.get("format");
        if (format == null) {
            throw new IllegalArgumentException("incoherent dataset spec: a format is required");
        }
        Builder b = builder(Format.parse(format));
        if (options.containsKey("text")) {
            b.text(Column.parse(options.get("text")));
        }
        if (options.containsKey("pair")) {
            b.pair(Column.parse(options.get("pair")));
        }
        if (options.containsKey("label")) {
            b.label(Column.parse(options.get("label")));
        }
        if (options.containsKey("id")) {
            b.id(Column.parse(options.get("id")));
        }
        if (options.containsKey("task")) {
            b.task(TaskType.parse(options.get("task")));
        }
        if (options.containsKey("labels")) {
            b.labels(LabelList.of(Arrays.asList(options.get("labels").split(",", -1))));
        }
        if (options.containsKey("header")) {
            b.header(parseBoolean("header", options.get("header")));
        }
        if (options.containsKey("bad-rows")) {
            b.badRows(BadRowPolicy.parse(options.get("bad-rows")));
        }
        if (options.containsKey("max-bad-fraction")) {
            b.maxBadFraction(parseDouble("max-bad-fraction", options.get("max-bad-fraction")));
        }
        if (options.containsKey("max-record-bytes")) {
            b.maxRecordBytes(
                    (int) parseDouble("max-record-bytes", options.get("max-record-bytes")));
        }
        return b.build();
    }

    /** The options that {@link #fromOptions} turns back into an equal spec. */
    public Map<String, String> toOptions() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("format", format.lowerName());
        m.put("text", textColumn.toString());
        if (pairColumn != null) {
            m.put("pair", pairColumn.toString());
        }
        if (labelColumn != null) {
            m.put("label", labelColumn.toString());
        }
        if (idColumn != null) {
            m.put("id", idColumn.toString());
        }
        m.put("task", task.name().toLowerCase(java.util.Locale.ROOT));
        if (labels != null) {
            m.put("labels", String.join(",", labels.labels()));
        }
        if (format.isDelimited()) {
            m.put("header", Boolean.toString(header));
        }
        m.put("bad-rows", badRows.name().toLowerCase(java.util.Locale.ROOT));
        if (badRows == BadRowPolicy.SKIP) {
            m.put("max-bad-fraction", Double.toString(maxBadFraction));
        }
        m.put("max-record-bytes", Integer.toString(maxRecordBytes));
        return m;
    }

    private static boolean parseBoolean(String key, String v) {
        if (v.equals("true") || v.equals("false")) {
            return Boolean.parseBoolean(v);
        }
        throw new IllegalArgumentException(
                "option " + key + ": expected true or false, got '" + v + "'");
    }

    private static double parseDouble(String key, String v) {
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option " + key + ": not a number: '" + v + "'");
        }
    }

    /** Fills in defaults and rejects options that were set but do not apply. */
    public static final class Builder {
        private final Format format;
        private Column text;
        private Column pair;
        private Column label;
        private Column id;
        private TaskType task = TaskType.CLASSIFICATION;
        private LabelList labels;
        private Boolean header;
        private BadRowPolicy badRows = BadRowPolicy.FAIL;
        private Double maxBadFraction;
        private int maxRecordBytes = DEFAULT_MAX_RECORD_BYTES;

        private Builder(Format format) {
            this.format = Objects.requireNonNull(format, "format");
        }

        public Builder text(Column c) {
            this.text = c;
            return this;
        }

        public Builder text(String name) {
            return text(Column.byName(name));
        }

        public Builder pair(Column c) {
            this.pair = c;
            return this;
        }

        public Builder pair(String name) {
            return pair(Column.byName(name));
        }

        public Builder label(Column c) {
            this.label = c;
            return this;
        }

        public Builder label(String name) {
            return label(Column.byName(name));
        }

        public Builder id(Column c) {
            this.id = c;
            return this;
        }

        public Builder id(String name) {
            return id(Column.byName(name));
        }

        public Builder task(TaskType t) {
            this.task = t;
            return this;
        }

        public Builder labels(LabelList l) {
            this.labels = l;
            return this;
        }

        public Builder labels(String... l) {
            return labels(LabelList.of(l));
        }

        public Builder header(boolean h) {
            this.header = h;
            return this;
        }

        public Builder badRows(BadRowPolicy p) {
            this.badRows = p;
            return this;
        }

        public Builder maxBadFraction(double f) {
            this.maxBadFraction = f;
            return this;
        }

        public Builder maxRecordBytes(int n) {
            this.maxRecordBytes = n;
            return this;
        }

        public DatasetSpec build() {
            if (header != null && header && !format.isDelimited()) {
                throw new IllegalArgumentException(
                        "incoherent dataset spec: a header row applies to tsv and csv only, not "
                                + format.lowerName());
            }
            if (maxBadFraction != null && badRows != BadRowPolicy.SKIP) {
                throw new IllegalArgumentException(
                        "incoherent dataset spec: a max bad fraction only applies to the skip policy");
            }
            boolean h = header != null ? header : format.isDelimited();
            double f =
                    badRows == BadRowPolicy.SKIP
                            ? (maxBadFraction != null ? maxBadFraction : DEFAULT_MAX_BAD_FRACTION)
                            : 0.0;
            return new DatasetSpec(
                    format, text, pair, label, id, task, labels, h, badRows, f, maxRecordBytes);
        }
    }
}
