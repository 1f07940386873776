package org.adamix.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every format, singles and pairs, compressed and not, on the local file system. */
class ReaderFormatsTest {
    private static final Configuration CONF = new Configuration();

    @TempDir java.nio.file.Path tmp;

    static Stream<Arguments> formats() {
        List<Arguments> args = new ArrayList<>();
        for (Format f : Format.values()) {
            for (boolean pair : new boolean[] {false, true}) {
                for (boolean compressed : new boolean[] {false, true}) {
                    args.add(Arguments.of(f, pair, compressed));
                }
            }
        }
        return args.stream();
    }

    /** Writes 20 rows in the format; returns the path string as a user would give it. */
    static String writeDataset(
            FileSystem fs, Path dir, Format format, List<TestData.Row> rows, boolean compressed)
            throws IOException {
        Path path =
                new Path(
                        dir,
                        "data"
                                + TestData.extension(format)
                                + (compressed && format != Format.PARQUET ? ".gz" : ""));
        if (format == Format.PARQUET) {
            TestData.parquet(
                    path,
                    fs.getConf(),
                    rows,
                    compressed ? CompressionCodecName.GZIP : CompressionCodecName.UNCOMPRESSED);
        } else {
            TestData.write(fs, path, TestData.encode(format, rows), compressed);
        }
        return path.toString();
    }

    /** Checks texts, labels, ids and locations against what was written. */
    static void assertReadBack(
            Format format, List<TestData.Row> rows, List<Example> read, String qualifiedFile) {
        assertEquals(rows.size(), read.size());
        for (int i = 0; i < rows.size(); i++) {
            TestData.Row r = rows.get(i);
            Example e = read.get(i);
            long position =
                    format.isDelimited() ? i + 2 : i + 1; // a header row comes first in TSV/CSV
            assertEquals(r.a(), e.textA(), "text of row " + i);
            assertEquals(r.b(), e.textB(), "pair text of row " + i);
            assertEquals(r.label().equals("neg") ? 0 : 1, e.label(), "label of row " + i);
            assertTrue(Float.isNaN(e.target()));
            assertEquals("data" + TestData.extension(format) + ":" + position, e.id());
            assertEquals(qualifiedFile, e.source().file());
            assertEquals(position, e.source().number());
            assertEquals(
                    format == Format.PARQUET ? SourceLocation.Unit.ROW : SourceLocation.Unit.LINE,
                    e.source().unit());
        }
    }

    @ParameterizedTest(name = "{0} pair={1} compressed={2}")
    @MethodSource("formats")
    void readsEveryFormatFromLocalFiles(Format format, boolean pair, boolean compressed)
            throws IOException {
        FileSystem fs = FileSystem.getLocal(CONF);
        List<TestData.Row> rows = TestData.rows(20, pair);
        String path = writeDataset(fs, new Path(tmp.toString()), format, rows, compressed);
        List<Example> read = TestData.readAll(TestData.spec(format, pair), CONF, path);
        assertReadBack(format, rows, read, "file:" + path);
        assertEquals(pair, read.get(0).isPair());
    }

    @Test
    void acceptsFileUrisDirectoriesAndGlobsAndSkipsHiddenFiles() throws IOException {
        FileSystem fs = FileSystem.getLocal(CONF);
        Path dir = new Path(tmp.toString(), "glue");
        List<TestData.Row> rows = TestData.rows(6, false);
        TestData.write(fs, new Path(dir, "part-1.tsv"), TestData.tsv(rows.subList(0, 3)), false);
        TestData.write(
                fs, new Path(dir, "sub/part-2.tsv.gz"), TestData.tsv(rows.subList(3, 6)), true);
        TestData.write(fs, new Path(dir, "_SUCCESS"), new byte[0], false);
        TestData.write(
                fs, new Path(dir, ".notes.tsv"), TestData.utf8("not\ta dataset\tfile\n"), false);
        DatasetSpec spec = TestData.spec(Format.TSV, false);

        List<Example> viaDir = TestData.readAll(spec, CONF, "file://" + dir.toUri().getPath());
        assertEquals(
                List.of(
                        "part-1.tsv:2",
                        "part-1.tsv:3",
                        "part-1.tsv:4",
                        "part-2.tsv:2",
                        "part-2.tsv:3",
                        "part-2.tsv:4"),
                viaDir.stream().map(Example::id).toList());
        assertEquals(rows.get(4).a(), viaDir.get(4).textA());

        List<Example> viaGlob = TestData.readAll(spec, CONF, dir + "/{part-1.tsv,sub/*.gz}");
        assertEquals(viaDir, viaGlob);

        // Files given in another order are still read in path order, with the same ids.
        List<Example> reordered =
                TestData.readAll(spec, CONF, dir + "/sub/part-2.tsv.gz", dir + "/part-1.tsv");
        assertEquals(viaDir, reordered);
    }

    @Test
    void tsvKeepsQuotesLiteralAsGlueDoes() throws IOException {
        java.nio.file.Path f = tmp.resolve("quotes.tsv");
        Files.writeString(
                f, "sentence\tlabel\n\"unbalanced quote\t1\nit's \"\"doubled\"\" here\t0\n");
        DatasetSpec spec =
                DatasetSpec.builder(Format.TSV)
                        .text("sentence")
                        .label("label")
                        .labels("0", "1")
                        .build();
        List<Example> read = TestData.readAll(spec, CONF, f.toString());
        assertEquals("\"unbalanced quote", read.get(0).textA());
        assertEquals("it's \"\"doubled\"\" here", read.get(1).textA());
        assertEquals(List.of(1, 0), read.stream().map(Example::label).toList());
    }

    @Test
    void csvQuotedFieldsHoldNewlinesCommasAndDoubledQuotes() throws IOException {
        java.nio.file.Path f = tmp.resolve("multi.csv");
        Files.writeString(
                f,
                "id,text,label\r\n"
                        + "a,\"first line\r\nsecond, line\",pos\r\n"
                        + "b,\"say \"\"hi\"\"\",neg\r\n"
                        + "c,\"\",neg\r\n"
                        + "d,plain,\"pos\"\n");
        DatasetSpec spec =
                DatasetSpec.builder(Format.CSV)
                        .text("text")
                        .label("label")
                        .id("id")
                        .labels("neg", "pos")
                        .badRows(BadRowPolicy.SKIP)
                        .maxBadFraction(0.5)
                        .build();
        List<Example> read = new ArrayList<>();
        ReadReport report;
        try (DatasetReader r = DatasetReader.open(spec, CONF, f.toString())) {
            r.forEachRemaining(read::add);
            report = r.report();
        }
        assertEquals(3, read.size());
        assertEquals("first line\r\nsecond, line", read.get(0).textA());
        assertEquals(2, read.get(0).source().number());
        assertEquals("a", read.get(0).id());
        assertEquals("say \"hi\"", read.get(1).textA());
        assertEquals(4, read.get(1).source().number()); // the record above spans lines 2-3
        assertEquals("plain", read.get(2).textA());
        assertEquals(1, read.get(2).label());
        assertEquals(1, report.count(BadReason.EMPTY_TEXT)); // c has an empty quoted text
        assertEquals(
                List.of("Bad row in file:" + f + " at line 5: empty text: column 'text' is empty"),
                report.firstBadRows());
    }

    @Test
    void byteOrderMarkIsNotPartOfTheFirstColumnName() throws IOException {
        java.nio.file.Path f = tmp.resolve("bom.csv");
        Files.write(
                f,
                TestData.concat(
                        new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF},
                        "text,label\nhello,pos\n"));
        List<Example> read = TestData.readAll(TestData.spec(Format.CSV, false), CONF, f.toString());
        assertEquals("hello", read.get(0).textA());
    }

    @Test
    void headerlessTsvByColumnIndexLikeCola() throws IOException {
        java.nio.file.Path f = tmp.resolve("cola.tsv");
        Files.writeString(
                f,
                "gj04\t1\t\tThe sailors rode the breeze clear of the rocks.\n"
                        + "gj04\t0\t*\tThe more we study verbs, the crazier they get get.\n");
        DatasetSpec spec =
                DatasetSpec.builder(Format.TSV)
                        .header(false)
                        .text(Column.parse("#3"))
                        .label(Column.parse("#1"))
                        .labels("0", "1")
                        .build();
        List<Example> read = TestData.readAll(spec, CONF, f.toString());
        assertEquals("The sailors rode the breeze clear of the rocks.", read.get(0).textA());
        assertEquals(1, read.get(0).label());
        assertEquals(0, read.get(1).label());
        assertEquals("cola.tsv:1", read.get(0).id());
    }

    @Test
    void regressionReadsFloatsLikeStsB() throws IOException {
        java.nio.file.Path f = tmp.resolve("sts.tsv");
        Files.writeString(
                f,
                "index\tsentence1\tsentence2\tscore\n0\tA plane is taking off.\tAn air plane is taking off.\t5.000\n"
                        + "1\tA man is playing a flute.\tA man is playing a bamboo flute.\t3.8\n2\tx\ty\t-1e-2\n");
        DatasetSpec spec =
                DatasetSpec.builder(Format.TSV)
                        .text("sentence1")
                        .pair("sentence2")
                        .label("score")
                        .task(TaskType.REGRESSION)
                        .build();
        List<Example> read = TestData.readAll(spec, CONF, f.toString());
        assertEquals(List.of(5.0f, 3.8f, -0.01f), read.stream().map(Example::target).toList());
        assertEquals(-1, read.get(0).label());
        assertEquals("An air plane is taking off.", read.get(0).textB());
    }

    @Test
    void jsonlIntegerLabelsAndIdColumn() throws IOException {
        java.nio.file.Path f = tmp.resolve("ints.jsonl");
        Files.writeString(
                f,
                "{\"id\": 17, \"text\": \"good\", \"label\": 1}\n{\"id\": \"x-2\", \"text\": \"bad\", \"label\": \"0\"}\n");
        DatasetSpec spec =
                DatasetSpec.builder(Format.JSONL)
                        .text("text")
                        .label("label")
                        .id("id")
                        .labels("0", "1")
                        .build();
        List<Example> read = TestData.readAll(spec, CONF, f.toString());
        assertEquals(List.of("17", "x-2"), read.stream().map(Example::id).toList());
        assertEquals(List.of(1, 0), read.stream().map(Example::label).toList());
    }

    @Test
    void parquetIntegerLabelsAndDoubleTargets() throws IOException {
        MessageType schema =
                MessageTypeParser.parseMessageType(
                        "message m { required binary text (UTF8); required int32 label; required double score; }");
        SimpleGroupFactory g = new SimpleGroupFactory(schema);
        Path path = new Path(tmp.toString(), "typed.parquet");
        List<Group> rows =
                List.of(
                        g.newGroup().append("text", "one").append("label", 1).append("score", 0.25),
                        g.newGroup().append("text", "two").append("label", 0).append("score", 4.5));
        TestData.parquetRaw(path, CONF, schema, rows);
        DatasetSpec cls =
                DatasetSpec.builder(Format.PARQUET)
                        .text("text")
                        .label("label")
                        .labels("0", "1")
                        .build();
        assertEquals(
                List.of(1, 0),
                TestData.readAll(cls, CONF, path.toString()).stream().map(Example::label).toList());
        DatasetSpec reg =
                DatasetSpec.builder(Format.PARQUET)
                        .text("text")
                        .label("score")
                        .task(TaskType.REGRESSION)
                        .build();
        assertEquals(
                List.of(0.25f, 4.5f),
                TestData.readAll(reg, CONF, path.toString()).stream()
                        .map(Example::target)
                        .toList());
    }

    @Test
    void unlabelledDataHasNoLabel() throws IOException {
        java.nio.file.Path f = tmp.resolve("test.tsv");
        Files.writeString(f, "index\tsentence\n0\tno label here\n");
        DatasetSpec spec = DatasetSpec.builder(Format.TSV).text("sentence").build();
        Example e = TestData.readAll(spec, CONF, f.toString()).get(0);
        assertFalse(e.hasLabel());
        assertEquals(-1, e.label());
        assertTrue(Float.isNaN(e.target()));
    }

    @Test
    void readerIsLazyAndReportsAsItGoes() throws IOException {
        FileSystem fs = FileSystem.getLocal(CONF);
        Path dir = new Path(tmp.toString());
        TestData.write(
                fs, new Path(dir, "a.jsonl"), TestData.jsonl(TestData.rows(3, false)), false);
        TestData.write(
                fs, new Path(dir, "b.jsonl"), TestData.jsonl(TestData.rows(2, false)), false);
        try (DatasetReader r =
                DatasetReader.open(TestData.spec(Format.JSONL, false), CONF, dir + "/*.jsonl")) {
            assertTrue(r.hasNext());
            assertEquals(1, r.report().filesRead()); // the second file is not opened yet
            r.next();
            assertEquals(1, r.report().goodRows());
            r.forEachRemaining(e -> {});
            assertEquals(5, r.report().goodRows());
            assertEquals(2, r.report().filesRead());
            assertEquals("5 good, 0 bad in 2 files", r.report().summary());
            assertFalse(r.hasNext());
        }
    }

    @Test
    void concatenatedGzipMembersAreReadToTheEnd() throws IOException {
        // `cat a.gz b.gz` and block-gzip tools produce several members; stopping after the first
        // would drop rows silently.
        List<TestData.Row> rows = TestData.rows(6, false);
        byte[] all = TestData.tsv(rows);
        String text = new String(all, java.nio.charset.StandardCharsets.UTF_8);
        int cut = text.indexOf('\n', text.length() / 2) + 1;
        java.nio.file.Path f = tmp.resolve("multi.tsv.gz");
        Files.write(
                f,
                TestData.concat(
                        TestData.gzip(TestData.utf8(text.substring(0, cut))),
                        TestData.gzip(TestData.utf8(text.substring(cut)))));
        List<Example> read = TestData.readAll(TestData.spec(Format.TSV, false), CONF, f.toString());
        assertEquals(
                rows.stream().map(TestData.Row::a).toList(),
                read.stream().map(Example::textA).toList());
    }

    @Test
    void otherHadoopCodecsByFileSuffix() throws IOException {
        org.apache.hadoop.io.compress.CompressionCodec bzip2 =
                new org.apache.hadoop.io.compress.CompressionCodecFactory(CONF)
                        .getCodecByName("bzip2");
        List<TestData.Row> rows = TestData.rows(5, true);
        java.nio.file.Path f = tmp.resolve("pairs.jsonl.bz2");
        try (java.io.OutputStream out = bzip2.createOutputStream(Files.newOutputStream(f))) {
            out.write(TestData.jsonl(rows));
        }
        List<Example> read =
                TestData.readAll(TestData.spec(Format.JSONL, true), CONF, f.toString());
        assertEquals(
                rows.stream().map(TestData.Row::b).toList(),
                read.stream().map(Example::textB).toList());
        assertEquals("pairs.jsonl:5", read.get(4).id());
    }
}
