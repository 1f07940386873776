package org.adamix.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A catalogue of malformed inputs, each a tiny file with exactly one bad row among good ones: the
 * exact message under the fail policy, and the exact counts under the skip policy.
 */
class MalformedInputsTest {
    private static final Configuration CONF = new Configuration();

    @TempDir java.nio.file.Path tmp;

    interface FileWriter {
        void write(java.nio.file.Path p) throws IOException;
    }

    /**
     * @param where the expected message after "Bad row in FILE at "
     * @param good good rows in the file
     */
    record Case(
            String name,
            String fileName,
            Supplier<DatasetSpec.Builder> spec,
            FileWriter content,
            String where,
            BadReason reason,
            int good) {
        @Override
        public String toString() {
            return name;
        }
    }

    static FileWriter text(Object... parts) {
        return p -> Files.write(p, TestData.concat(parts));
    }

    static byte[] bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = (byte) b[i];
        }
        return out;
    }

    static DatasetSpec.Builder sst() {
        return DatasetSpec.builder(Format.TSV).text("sentence").label("label").labels("0", "1");
    }

    static DatasetSpec.Builder sts() {
        return DatasetSpec.builder(Format.TSV)
                .text("sentence")
                .label("score")
                .task(TaskType.REGRESSION);
    }

    static DatasetSpec.Builder csv() {
        return DatasetSpec.builder(Format.CSV).text("text").label("label").labels("neg", "pos");
    }

    static DatasetSpec.Builder jsonl() {
        return DatasetSpec.builder(Format.JSONL).text("text").label("label").labels("neg", "pos");
    }

    static DatasetSpec.Builder parquet() {
        return DatasetSpec.builder(Format.PARQUET).text("text").label("label").labels("0", "1");
    }

    /** Three rows with the middle one given; text is nullable, label is an int. */
    static FileWriter parquetRows(String schemaText, java.util.function.Consumer<Group> middle) {
        return p -> {
            MessageType schema = MessageTypeParser.parseMessageType(schemaText);
            SimpleGroupFactory g = new SimpleGroupFactory(schema);
            Group bad = g.newGroup();
            middle.accept(bad);
            TestData.parquetRaw(
                    new org.apache.hadoop.fs.Path(p.toString()),
                    CONF,
                    schema,
                    List.of(
                            g.newGroup().append("text", "first").append("label", 1),
                            bad,
                            g.newGroup().append("text", "third").append("label", 0)));
        };
    }

    static final String PARQUET_SCHEMA =
            "message m { optional binary text (UTF8); required int32 label; }";

    static Stream<Case> catalogue() {
        List<Case> c = new ArrayList<>();
        // --- TSV
        c.add(
                new Case(
                        "tsv too few columns",
                        "a.tsv",
                        MalformedInputsTest::sst,
                        text("sentence\tlabel\nfine\t1\nbroken\nalso fine\t0\n"),
                        "line 3: wrong column count: expected 2 fields, found 1",
                        BadReason.WRONG_COLUMN_COUNT,
                        2));
        c.add(
                new Case(
                        "tsv too many columns",
                        "a.tsv",
                        MalformedInputsTest::sst,
                        text("sentence\tlabel\nfine\t1\nextra\t0\tcolumn\n"),
                        "line 3: wrong column count: expected 2 fields, found 3",
                        BadReason.WRONG_COLUMN_COUNT,
                        1));
        c.add(
                new Case(
                        "tsv empty text",
                        "a.tsv",
                        MalformedInputsTest::sst,
                        text("sentence\tlabel\n\t1\nfine\t0\n"),
                        "line 2: empty text: column 'sentence' is empty",
                        BadReason.EMPTY_TEXT,
                        1));
        c.add(
                new Case(
                        "tsv blank second text of a pair",
                        "a.tsv",
                        () ->
                                DatasetSpec.builder(Format.TSV)
                                        .text("s1")
                                        .pair("s2")
                                        .label("label")
                                        .labels("0", "1"),
                        text("s1\ts2\tlabel\nok\t   \t1\nok\tok\t0\n"),
                        "line 2: empty text: column 's2' is blank",
                        BadReason.EMPTY_TEXT,
                        1));
        c.add(
                new Case(
                        "tsv unknown label",
                        "a.tsv",
                        MalformedInputsTest::sst,
                        text("sentence\tlabel\nfine\t1\nodd\t2\n"),
                        "line 3: unknown label: '2' is not one of [0, 1]",
                        BadReason.UNKNOWN_LABEL,
                        1));
        c.add(
                new Case(
                        "tsv empty label",
                        "a.tsv",
                        MalformedInputsTest::sst,
                        text("sentence\tlabel\nfine\t\nok\t1\n"),
                        "line 2: missing field: column 'label' is empty",
                        BadReason.MISSING_FIELD,
                        1));
        c.add(
                new Case(
                        "tsv invalid UTF-8",
                        "a.tsv",
                        MalformedInputsTest::sst,
                        text("sentence\tlabel\nfine\t1\ncaf", bytes(0xC3, 0x28), "\t0\n"),
                        "line 3: invalid UTF-8: malformed byte sequence at byte offset 3 of line 3",
                        BadReason.INVALID_UTF8,
                        1));
        c.add(
                new Case(
                        "tsv Latin-1 line",
                        "a.tsv",
                        MalformedInputsTest::sst,
                        text(
                                "sentence\tlabel\nr",
                                bytes(0xE9),
                                "sum",
                                bytes(0xE9),
                                "\t1\nfine\t0\n"),
                        "line 2: invalid UTF-8: malformed byte sequence at byte offset 1 of line 2",
                        BadReason.INVALID_UTF8,
                        1));
        c.add(
                new Case(
                        "tsv line too long",
                        "a.tsv",
                        () -> sst().maxRecordBytes(32),
                        text("sentence\tlabel\n", "x".repeat(40), "\t1\nshort\t0\n"),
                        "line 2: record too long: line longer than 32 bytes",
                        BadReason.RECORD_TOO_LONG,
                        1));
        c.add(
                new Case(
                        "headerless tsv row wider than the first",
                        "a.tsv",
                        () ->
                                DatasetSpec.builder(Format.TSV)
                                        .header(false)
                                        .text(Column.parse("#1"))
                                        .label(Column.parse("#0"))
                                        .labels("0", "1"),
                        text("1\tfine\n0\tfine\textra\n1\tok\n"),
                        "line 2: wrong column count: expected 2 fields, found 3",
                        BadReason.WRONG_COLUMN_COUNT,
                        2));
        // --- regression numbers
        c.add(
                new Case(
                        "regression target not a number",
                        "a.tsv",
                        MalformedInputsTest::sts,
                        text("sentence\tscore\nfine\t0.5\nbad\tabc\n"),
                        "line 3: unparsable number: column 'score': 'abc' is not a number",
                        BadReason.UNPARSABLE_NUMBER,
                        1));
        c.add(
                new Case(
                        "regression target NaN",
                        "a.tsv",
                        MalformedInputsTest::sts,
                        text("sentence\tscore\nfine\t0.5\nbad\tNaN\n"),
                        "line 3: unparsable number: column 'score': 'NaN' is not a number",
                        BadReason.UNPARSABLE_NUMBER,
                        1));
        c.add(
                new Case(
                        "regression target out of float range",
                        "a.tsv",
                        MalformedInputsTest::sts,
                        text("sentence\tscore\nfine\t0.5\nbad\t1e39\n"),
                        "line 3: unparsable number: column 'score': 1e39 is out of float range",
                        BadReason.UNPARSABLE_NUMBER,
                        1));
        c.add(
                new Case(
                        "regression target with a space is not trimmed",
                        "a.tsv",
                        MalformedInputsTest::sts,
                        text("sentence\tscore\nbad\t 0.5\nfine\t2\n"),
                        "line 2: unparsable number: column 'score': ' 0.5' is not a number",
                        BadReason.UNPARSABLE_NUMBER,
                        1));
        // --- CSV
        c.add(
                new Case(
                        "csv unterminated quote",
                        "a.csv",
                        MalformedInputsTest::csv,
                        text("text,label\n\"ok, fine\",pos\n\"never closed,neg\nstill inside\n"),
                        "line 3: malformed CSV: unterminated quoted field 1 at end of file",
                        BadReason.MALFORMED_CSV,
                        1));
        c.add(
                new Case(
                        "csv quote inside unquoted field",
                        "a.csv",
                        MalformedInputsTest::csv,
                        text("text,label\nfine,pos\nab\"c,neg\nok,neg\n"),
                        "line 3: malformed CSV: quote inside unquoted field 1 on line 3",
                        BadReason.MALFORMED_CSV,
                        2));
        c.add(
                new Case(
                        "csv text after closing quote",
                        "a.csv",
                        MalformedInputsTest::csv,
                        text("text,label\n\"abc\"d,pos\nok,neg\n"),
                        "line 2: malformed CSV: text after the closing quote of field 1 on line 2",
                        BadReason.MALFORMED_CSV,
                        1));
        c.add(
                new Case(
                        "csv wrong column count",
                        "a.csv",
                        MalformedInputsTest::csv,
                        text("text,label\na,pos,extra\nok,neg\n"),
                        "line 2: wrong column count: expected 2 fields, found 3",
                        BadReason.WRONG_COLUMN_COUNT,
                        1));
        c.add(
                new Case(
                        "csv invalid UTF-8 inside a multi-line field",
                        "a.csv",
                        MalformedInputsTest::csv,
                        text(
                                "text,label\nok,pos\n\"line one\nli",
                                bytes(0xFF),
                                "ne two\",neg\nok,neg\n"),
                        "line 3: invalid UTF-8: malformed byte sequence at byte offset 2 of line 4",
                        BadReason.INVALID_UTF8,
                        2));
        // --- JSON Lines
        c.add(
                new Case(
                        "jsonl truncated object",
                        "a.jsonl",
                        MalformedInputsTest::jsonl,
                        text(
                                "{\"text\":\"ok\",\"label\":\"pos\"}\n{\"text\":\"cut\",\"label\":\"neg\"\n"),
                        "line 2: malformed JSON: column 28: Unexpected end-of-input: expected close marker for Object",
                        BadReason.MALFORMED_JSON,
                        1));
        c.add(
                new Case(
                        "jsonl not an object",
                        "a.jsonl",
                        MalformedInputsTest::jsonl,
                        text("[\"a\",\"pos\"]\n{\"text\":\"ok\",\"label\":\"pos\"}\n"),
                        "line 1: malformed JSON: expected a JSON object, found an array",
                        BadReason.MALFORMED_JSON,
                        1));
        c.add(
                new Case(
                        "jsonl missing label",
                        "a.jsonl",
                        MalformedInputsTest::jsonl,
                        text("{\"text\":\"ok\",\"label\":\"pos\"}\n{\"text\":\"a\"}\n"),
                        "line 2: missing field: no field 'label'",
                        BadReason.MISSING_FIELD,
                        1));
        c.add(
                new Case(
                        "jsonl null text",
                        "a.jsonl",
                        MalformedInputsTest::jsonl,
                        text(
                                "{\"text\":null,\"label\":\"pos\"}\n{\"text\":\"ok\",\"label\":\"pos\"}\n"),
                        "line 1: missing field: field 'text' is null",
                        BadReason.MISSING_FIELD,
                        1));
        c.add(
                new Case(
                        "jsonl text is a number",
                        "a.jsonl",
                        MalformedInputsTest::jsonl,
                        text(
                                "{\"text\":42,\"label\":\"pos\"}\n{\"text\":\"ok\",\"label\":\"pos\"}\n"),
                        "line 1: wrong type: field 'text' must be a string, found an integer",
                        BadReason.WRONG_TYPE,
                        1));
        c.add(
                new Case(
                        "jsonl float label",
                        "a.jsonl",
                        MalformedInputsTest::jsonl,
                        text(
                                "{\"text\":\"ok\",\"label\":\"pos\"}\n{\"text\":\"a\",\"label\":1.5}\n"),
                        "line 2: wrong type: field 'label' must be a string or an integer, found a float",
                        BadReason.WRONG_TYPE,
                        1));
        c.add(
                new Case(
                        "jsonl duplicate key",
                        "a.jsonl",
                        MalformedInputsTest::jsonl,
                        text(
                                "{\"text\":\"a\",\"text\":\"b\",\"label\":\"pos\"}\n{\"text\":\"ok\",\"label\":\"pos\"}\n"),
                        "line 1: malformed JSON: column 19: Duplicate field 'text'",
                        BadReason.MALFORMED_JSON,
                        1));
        c.add(
                new Case(
                        "jsonl blank line",
                        "a.jsonl",
                        MalformedInputsTest::jsonl,
                        text(
                                "{\"text\":\"ok\",\"label\":\"pos\"}\n\n{\"text\":\"ok\",\"label\":\"neg\"}\n"),
                        "line 2: malformed JSON: empty line",
                        BadReason.MALFORMED_JSON,
                        2));
        c.add(
                new Case(
                        "jsonl trailing garbage",
                        "a.jsonl",
                        MalformedInputsTest::jsonl,
                        text(
                                "{\"text\":\"a\",\"label\":\"pos\"} x\n{\"text\":\"ok\",\"label\":\"pos\"}\n"),
                        "line 1: malformed JSON: column 29: Unrecognized token 'x': was expecting (JSON String, Number, Array, "
                                + "Object or token 'null', 'true' or 'false')",
                        BadReason.MALFORMED_JSON,
                        1));
        c.add(
                new Case(
                        "jsonl invalid UTF-8",
                        "a.jsonl",
                        MalformedInputsTest::jsonl,
                        text(
                                "{\"text\":\"ok\",\"label\":\"pos\"}\n{\"text\":\"caf",
                                bytes(0xC3),
                                "\",\"label\":\"pos\"}\n"),
                        "line 2: invalid UTF-8: malformed byte sequence at byte offset 12 of line 2",
                        BadReason.INVALID_UTF8,
                        1));
        c.add(
                new Case(
                        "jsonl unknown label",
                        "a.jsonl",
                        MalformedInputsTest::jsonl,
                        text(
                                "{\"text\":\"ok\",\"label\":\"pos\"}\n{\"text\":\"meh\",\"label\":\"neutral\"}\n"),
                        "line 2: unknown label: 'neutral' is not one of [neg, pos]",
                        BadReason.UNKNOWN_LABEL,
                        1));
        c.add(
                new Case(
                        "jsonl label with a trailing space is not guessed",
                        "a.jsonl",
                        MalformedInputsTest::jsonl,
                        text(
                                "{\"text\":\"meh\",\"label\":\"pos \"}\n{\"text\":\"ok\",\"label\":\"pos\"}\n"),
                        "line 1: unknown label: 'pos ' is not one of [neg, pos]",
                        BadReason.UNKNOWN_LABEL,
                        1));
        // --- Parquet
        c.add(
                new Case(
                        "parquet null text",
                        "a.parquet",
                        MalformedInputsTest::parquet,
                        parquetRows(PARQUET_SCHEMA, g -> g.append("label", 0)),
                        "row 2: missing field: column 'text' is null",
                        BadReason.MISSING_FIELD,
                        2));
        c.add(
                new Case(
                        "parquet invalid UTF-8",
                        "a.parquet",
                        MalformedInputsTest::parquet,
                        parquetRows(
                                PARQUET_SCHEMA,
                                g ->
                                        g.append("text", TestData.bytes(bytes(0x61, 0xFF, 0x62)))
                                                .append("label", 0)),
                        "row 2: invalid UTF-8: column 'text' has a malformed byte sequence at byte offset 1",
                        BadReason.INVALID_UTF8,
                        2));
        c.add(
                new Case(
                        "parquet unknown integer label",
                        "a.parquet",
                        MalformedInputsTest::parquet,
                        parquetRows(
                                PARQUET_SCHEMA, g -> g.append("text", "seven").append("label", 7)),
                        "row 2: unknown label: '7' is not one of [0, 1]",
                        BadReason.UNKNOWN_LABEL,
                        2));
        c.add(
                new Case(
                        "parquet blank text",
                        "a.parquet",
                        MalformedInputsTest::parquet,
                        parquetRows(
                                PARQUET_SCHEMA, g -> g.append("text", " \t ").append("label", 0)),
                        "row 2: empty text: column 'text' is blank",
                        BadReason.EMPTY_TEXT,
                        2));
        return c.stream();
    }

    private String write(Case c) throws IOException {
        java.nio.file.Path p = tmp.resolve(c.fileName());
        c.content().write(p);
        return p.toString();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("catalogue")
    void failPolicyThrowsAtTheBadRowNamingFileLineAndReason(Case c) throws IOException {
        String path = write(c);
        List<Example> before = new ArrayList<>();
        try (DatasetReader r = DatasetReader.open(c.spec().get().build(), CONF, path)) {
            BadRowException e =
                    assertThrows(BadRowException.class, () -> r.forEachRemaining(before::add));
            assertEquals("Bad row in file:" + path + " at " + c.where(), e.getMessage());
            assertEquals(c.reason(), e.reason());
            // Rows before the bad one were delivered; none after it.
            assertTrue(before.stream().allMatch(x -> x.source().number() < e.location().number()));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("catalogue")
    void skipPolicyCountsTheBadRowAndKeepsTheGoodOnes(Case c) throws IOException {
        String path = write(c);
        DatasetSpec spec = c.spec().get().badRows(BadRowPolicy.SKIP).maxBadFraction(1.0).build();
        List<Example> read = new ArrayList<>();
        ReadReport report;
        try (DatasetReader r = DatasetReader.open(spec, CONF, path)) {
            r.forEachRemaining(read::add);
            report = r.report();
        }
        assertEquals(c.good(), read.size());
        assertEquals(c.good(), report.goodRows());
        assertEquals(1, report.badRows());
        assertEquals(Map.of(c.reason(), 1L), report.countsByReason());
        assertEquals(
                List.of("Bad row in file:" + path + " at " + c.where()), report.firstBadRows());
    }

    @Test
    void catalogueIsLargeAndCoversEveryReason() {
        List<Case> cases = catalogue().toList();
        assertTrue(cases.size() >= 15);
        for (BadReason reason : BadReason.values()) {
            assertTrue(cases.stream().anyMatch(c -> c.reason() == reason), "no case for " + reason);
        }
    }

    @Test
    void skipFailsBeyondTheMaximumBadFraction() throws IOException {
        java.nio.file.Path f = tmp.resolve("mostly-bad.tsv");
        Files.writeString(f, "sentence\tlabel\nok\t1\n\t0\nodd\t7\nfine\t0\nbroken\n");
        DatasetSpec spec = sst().badRows(BadRowPolicy.SKIP).maxBadFraction(0.5).build();
        List<Example> read = new ArrayList<>();
        try (DatasetReader r = DatasetReader.open(spec, CONF, f.toString())) {
            TooManyBadRowsException e =
                    assertThrows(
                            TooManyBadRowsException.class, () -> r.forEachRemaining(read::add));
            assertEquals(
                    "too many bad rows: 3 of 5 rows (60.00%) are bad, more than the allowed 50.00% "
                            + "(wrong column count: 1, empty text: 1, unknown label: 1); first: Bad row in file:"
                            + f
                            + " at line 3: empty text: column 'sentence' is empty",
                    e.getMessage());
            assertEquals(3, e.report().badRows());
        }
        assertEquals(2, read.size());
    }

    @Test
    void skipWithinTheMaximumFractionSucceeds() throws IOException {
        java.nio.file.Path f = tmp.resolve("some-bad.tsv");
        Files.writeString(f, "sentence\tlabel\nok\t1\n\t0\nodd\t7\nfine\t0\n");
        DatasetSpec spec = sst().badRows(BadRowPolicy.SKIP).maxBadFraction(0.5).build();
        try (DatasetReader r = DatasetReader.open(spec, CONF, f.toString())) {
            r.forEachRemaining(e -> {});
            assertEquals(
                    "2 good, 2 bad (empty text: 1, unknown label: 1) in 1 file",
                    r.report().summary());
            assertEquals(0.5, r.report().badFraction());
        }
    }

    @Test
    void defaultSkipFractionIsOnePercent() throws IOException {
        StringBuilder sb = new StringBuilder("sentence\tlabel\n");
        for (int i = 0; i < 99; i++) {
            sb.append("row ").append(i).append("\t1\n");
        }
        sb.append("bad\t9\n");
        java.nio.file.Path f = tmp.resolve("hundred.tsv");
        Files.writeString(f, sb);
        DatasetSpec spec = sst().badRows(BadRowPolicy.SKIP).build();
        assertEquals(99, TestData.readAll(spec, CONF, f.toString()).size()); // 1 of 100 is allowed
        Files.writeString(f, sb + "bad\t9\n");
        assertThrows(
                TooManyBadRowsException.class, () -> TestData.readAll(spec, CONF, f.toString()));
    }
}
