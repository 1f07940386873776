package org.adamix.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DatasetSpecTest {

    private static String error(Map<String, String> options) {
        return assertThrows(IllegalArgumentException.class, () -> DatasetSpec.fromOptions(options))
                .getMessage();
    }

    private static Map<String, String> opts(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void defaults() {
        DatasetSpec s =
                DatasetSpec.fromOptions(
                        opts(
                                "format",
                                "tsv",
                                "text",
                                "sentence",
                                "label",
                                "label",
                                "labels",
                                "0,1"));
        assertEquals(Format.TSV, s.format());
        assertTrue(s.header());
        assertEquals(TaskType.CLASSIFICATION, s.task());
        assertEquals(BadRowPolicy.FAIL, s.badRows());
        assertEquals(0.0, s.maxBadFraction());
        assertEquals(LabelList.of("0", "1"), s.labels());
        assertFalse(s.isPair());
        assertFalse(DatasetSpec.fromOptions(opts("format", "jsonl", "text", "t")).header());
        assertEquals(
                0.01,
                DatasetSpec.fromOptions(opts("format", "csv", "text", "t", "bad-rows", "skip"))
                        .maxBadFraction());
    }

    @Test
    void optionsRoundTrip() {
        DatasetSpec s =
                DatasetSpec.fromOptions(
                        opts(
                                "format",
                                "tsv",
                                "header",
                                "false",
                                "text",
                                "#3",
                                "pair",
                                "#4",
                                "label",
                                "#1",
                                "labels",
                                "0,1",
                                "bad-rows",
                                "skip",
                                "max-bad-fraction",
                                "0.05",
                                "max-record-bytes",
                                "1000"));
        assertEquals(Column.byIndex(3), s.textColumn());
        assertEquals(s, DatasetSpec.fromOptions(s.toOptions()));
        DatasetSpec r =
                DatasetSpec.fromOptions(
                        opts(
                                "format",
                                "parquet",
                                "text",
                                "a",
                                "label",
                                "y",
                                "id",
                                "key",
                                "task",
                                "regression"));
        assertEquals(r, DatasetSpec.fromOptions(r.toOptions()));
        assertNull(r.labels());
    }

    @Test
    void serializableForSparkClosures() throws IOException, ClassNotFoundException {
        DatasetSpec s = TestData.spec(Format.CSV, true);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(s);
        }
        try (ObjectInputStream in =
                new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            DatasetSpec back = (DatasetSpec) in.readObject();
            assertEquals(s, back);
            assertEquals(1, back.labels().indexOf("pos"));
        }
    }

    @Test
    void incoherentOptionsAreRejectedClearly() {
        assertEquals(
                "unknown dataset option 'txt': known options are format, text, pair, label, id, task, labels, header, "
                        + "bad-rows, max-bad-fraction, max-record-bytes",
                error(opts("format", "tsv", "txt", "a")));
        assertEquals("incoherent dataset spec: a format is required", error(opts("text", "a")));
        assertEquals(
                "unknown format 'xml': expected tsv, csv, jsonl or parquet",
                error(opts("format", "xml", "text", "a")));
        assertEquals(
                "incoherent dataset spec: a text column is required", error(opts("format", "tsv")));
        assertEquals(
                "incoherent dataset spec: a header row applies to tsv and csv only, not jsonl",
                error(opts("format", "jsonl", "text", "a", "header", "true")));
        assertEquals(
                "incoherent dataset spec: column #0: columns by index apply to tsv and csv only, parquet columns are "
                        + "chosen by name",
                error(opts("format", "parquet", "text", "#0")));
        assertEquals(
                "incoherent dataset spec: column 'sentence' is chosen by name but the file has no header row: use #N indices",
                error(opts("format", "tsv", "header", "false", "text", "sentence")));
        assertEquals(
                "incoherent dataset spec: a label list makes no sense for regression",
                error(
                        opts(
                                "format",
                                "tsv",
                                "text",
                                "a",
                                "label",
                                "b",
                                "task",
                                "regression",
                                "labels",
                                "0,1")));
        assertEquals(
                "incoherent dataset spec: a label list was given but no label column",
                error(opts("format", "tsv", "text", "a", "labels", "0,1")));
        assertEquals(
                "incoherent dataset spec: a max bad fraction only applies to the skip policy",
                error(opts("format", "tsv", "text", "a", "max-bad-fraction", "0.1")));
        assertEquals(
                "incoherent dataset spec: max bad fraction must be in [0, 1], got 1.5",
                error(
                        opts(
                                "format",
                                "tsv",
                                "text",
                                "a",
                                "bad-rows",
                                "skip",
                                "max-bad-fraction",
                                "1.5")));
        assertEquals(
                "incoherent dataset spec: text, pair, label and id columns must be different columns, got [s, s]",
                error(opts("format", "tsv", "text", "s", "pair", "s")));
        assertEquals(
                "unknown task type 'ranking': expected classification or regression",
                error(opts("format", "tsv", "text", "a", "task", "ranking")));
        assertEquals(
                "unknown bad-row policy 'ignore': expected fail or skip",
                error(opts("format", "tsv", "text", "a", "bad-rows", "ignore")));
        assertEquals(
                "duplicate label '1'",
                error(opts("format", "tsv", "text", "a", "label", "b", "labels", "0,1,1")));
        assertEquals(
                "bad column index '#x': expected #N with N >= 0",
                error(opts("format", "tsv", "text", "#x")));
        assertEquals(
                "option header: expected true or false, got 'yes'",
                error(opts("format", "tsv", "text", "a", "header", "yes")));
    }
}
