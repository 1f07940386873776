package org.adamix.jobs.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import org.adamix.datasets.DatasetSpec;
import org.adamix.datasets.LabelList;
import picocli.CommandLine.Option;

/** How to read a dataset (defaults: JSON Lines with "text" and "label" fields). */
public final class DataOptions {
    @Option(
            names = "--format",
            defaultValue = "jsonl",
            description = "tsv, csv, jsonl or parquet (default ${DEFAULT-VALUE}).")
    String format;

    @Option(
            names = "--text-column",
            description =
                    "Text column: a name, or #N for a 0-based index (default text; source for --task generation).")
    String text;

    @Option(
            names = "--pair-column",
            description =
                    "Second text of a sentence pair; for --task generation the target text (default target).")
    String pair;

    @Option(
            names = "--label-column",
            defaultValue = "label",
            description = "Label column (default ${DEFAULT-VALUE}).")
    String label;

    @Option(
            names = "--id-column",
            description = "Column holding stable example ids (default: <file name>:<line>).")
    String id;

    @Option(
            names = "--task",
            defaultValue = "classification",
            description =
                    "classification, regression or generation (source → target text on a GPT-2 backbone) (default ${DEFAULT-VALUE}).")
    String task;

    @Option(
            names = "--labels",
            split = ",",
            description =
                    "Class names in index order (default: collected from the training data, sorted).")
    java.util.List<String> labels;

    @Option(
            names = "--header",
            description = "TSV/CSV: the first line names the columns (default: true for tsv/csv).")
    Boolean header;

    @Option(
            names = "--bad-rows",
            defaultValue = "fail",
            description = "fail or skip (default ${DEFAULT-VALUE}).")
    String badRows;

    @Option(
            names = "--max-bad-fraction",
            description =
                    "With --bad-rows skip: fail beyond this fraction of bad rows (default 0.01).")
    Double maxBadFraction;

    /** The spec; {@code labels} overrides --labels (e.g. the model's own list), null keeps it. */
    public DatasetSpec spec(LabelList labelsOverride, boolean labelled) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("format", format);
        o.put("text", textColumn());
        if (pairColumn() != null) o.put("pair", pairColumn());
        if (labelled) o.put("label", label);
        if (id != null) o.put("id", id);
        o.put("task", task);
        LabelList l =
                labelsOverride != null
                        ? labelsOverride
                        : labels == null ? null : LabelList.of(labels);
        if (l != null && labelled && !"regression".equalsIgnoreCase(task))
            o.put("labels", String.join(",", l.labels()));
        if (header != null) o.put("header", header.toString());
        o.put("bad-rows", badRows);
        if (maxBadFraction != null) o.put("max-bad-fraction", maxBadFraction.toString());
        return DatasetSpec.fromOptions(o);
    }

    /**
     * The spec of a generation dataset: --text-column the source, --pair-column the target, no
     * label.
     */
    public DatasetSpec generationSpec() {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("format", format);
        o.put("text", textColumn());
        o.put("pair", pairColumn());
        if (id != null) o.put("id", id);
        if (header != null) o.put("header", header.toString());
        o.put("bad-rows", badRows);
        if (maxBadFraction != null) o.put("max-bad-fraction", maxBadFraction.toString());
        return DatasetSpec.fromOptions(o);
    }

    /** The spec of prompts to generate from: the --text-column (default source) only. */
    public DatasetSpec promptSpec() {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("format", format);
        o.put("text", text != null ? text : "source");
        if (id != null) o.put("id", id);
        if (header != null) o.put("header", header.toString());
        o.put("bad-rows", badRows);
        if (maxBadFraction != null) o.put("max-bad-fraction", maxBadFraction.toString());
        return DatasetSpec.fromOptions(o);
    }

    public String textColumn() {
        return text != null ? text : generation() ? "source" : "text";
    }

    public String pairColumn() {
        return pair != null ? pair : generation() ? "target" : null;
    }

    public boolean generation() {
        return "generation".equalsIgnoreCase(task);
    }

    public boolean regression() {
        return "regression".equalsIgnoreCase(task);
    }
}
