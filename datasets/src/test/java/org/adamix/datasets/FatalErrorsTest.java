package org.adamix.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Errors that stop reading whatever the bad-row policy: nothing after them can be trusted. */
class FatalErrorsTest {
    private static final Configuration CONF = new Configuration();

    @TempDir java.nio.file.Path tmp;

    private static DatasetSpec sst(BadRowPolicy policy) {
        DatasetSpec.Builder b =
                DatasetSpec.builder(Format.TSV)
                        .text("sentence")
                        .label("label")
                        .labels("0", "1")
                        .badRows(policy);
        return b.build();
    }

    private String message(DatasetSpec spec, String... paths) {
        DatasetException e =
                assertThrows(DatasetException.class, () -> TestData.readAll(spec, CONF, paths));
        return e.getMessage();
    }

    private java.nio.file.Path file(String name, String content) throws IOException {
        java.nio.file.Path p = tmp.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
        return p;
    }

    @Test
    void missingPathIsNamed() {
        for (BadRowPolicy policy : BadRowPolicy.values()) {
            assertEquals(
                    "input path does not exist: file:" + tmp + "/nope.tsv",
                    message(sst(policy), tmp + "/nope.tsv"));
            assertEquals(
                    "input path does not exist: file:" + tmp + "/nope.tsv",
                    message(sst(policy), "file://" + tmp + "/nope.tsv"));
        }
    }

    @Test
    void globMatchingNothingIsNamed() {
        assertEquals(
                "input pattern matches no files: file:" + tmp + "/*.nope",
                message(sst(BadRowPolicy.SKIP), tmp + "/*.nope"));
    }

    @Test
    void directoryWithoutDataFiles() throws IOException {
        file("out/_SUCCESS", "");
        file("out/.part-0.crc", "");
        assertEquals(
                "input directory holds no data files: file:" + tmp + "/out",
                message(sst(BadRowPolicy.FAIL), tmp + "/out"));
    }

    @Test
    void fileVanishedAfterListing() {
        DatasetException e =
                assertThrows(
                        DatasetException.class,
                        () ->
                                DatasetReader.openFiles(
                                                sst(BadRowPolicy.SKIP),
                                                CONF,
                                                List.of(new Path(tmp + "/gone.tsv")))
                                        .hasNext());
        assertEquals("input file does not exist: file:" + tmp + "/gone.tsv", e.getMessage());
    }

    @Test
    void missingHeaderColumnListsTheHeader() throws IOException {
        java.nio.file.Path f = file("mrpc.tsv", "Quality\t#1 String\t#2 String\n1\ta\tb\n");
        assertEquals(
                "file:"
                        + f
                        + ": no column 'sentence' in header row [Quality, #1 String, #2 String]",
                message(sst(BadRowPolicy.SKIP), f.toString()));
    }

    @Test
    void repeatedHeaderColumn() throws IOException {
        java.nio.file.Path f = file("twice.tsv", "sentence\tlabel\tlabel\na\t1\t0\n");
        assertEquals(
                "file:" + f + ": column 'label' appears more than once in the header row",
                message(sst(BadRowPolicy.FAIL), f.toString()));
    }

    @Test
    void emptyFileWhereAHeaderIsExpected() throws IOException {
        java.nio.file.Path f = file("empty.tsv", "");
        assertEquals(
                "file:" + f + ": empty file, expected a header row",
                message(sst(BadRowPolicy.SKIP), f.toString()));
    }

    @Test
    void headerWithInvalidUtf8() throws IOException {
        java.nio.file.Path f = tmp.resolve("latin1.tsv");
        Files.write(f, TestData.concat(new byte[] {(byte) 0xE9}, "t\tlabel\n"));
        assertEquals(
                "file:"
                        + f
                        + ": bad header row: invalid UTF-8: malformed byte sequence at byte offset 0 of line 1",
                message(sst(BadRowPolicy.SKIP), f.toString()));
    }

    @Test
    void columnIndexOutOfRange() throws IOException {
        java.nio.file.Path f = file("idx.tsv", "a\tb\n1\tx\n");
        DatasetSpec withHeader =
                DatasetSpec.builder(Format.TSV)
                        .text(Column.byIndex(5))
                        .label(Column.byIndex(0))
                        .labels("1")
                        .build();
        assertEquals(
                "file:" + f + ": column #5 is out of range: the header row has 2 columns",
                message(withHeader, f.toString()));
        DatasetSpec headerless =
                DatasetSpec.builder(Format.TSV)
                        .header(false)
                        .text(Column.byIndex(5))
                        .label(Column.byIndex(0))
                        .labels("1")
                        .build();
        assertEquals(
                "file:" + f + ": column #5 is out of range: the first row (line 1) has 2 fields",
                message(headerless, f.toString()));
    }

    @Test
    void sameFileNameInTwoDirectoriesWouldCollideIds() throws IOException {
        file("a/train.tsv", "sentence\tlabel\nx\t1\n");
        file("b/train.tsv.gz", "unused");
        assertEquals(
                "input files file:"
                        + tmp
                        + "/a/train.tsv and file:"
                        + tmp
                        + "/b/train.tsv.gz have the same file name "
                        + "'train.tsv', so their example ids would collide: rename one or use an id column",
                message(sst(BadRowPolicy.FAIL), tmp + "/*/train.tsv*"));
    }

    @Test
    void csvRecordLongerThanTheLimitIsFatal() throws IOException {
        java.nio.file.Path f =
                file("long.csv", "text,label\n\"opened" + "\nmore".repeat(20) + "\n");
        DatasetSpec spec =
                DatasetSpec.builder(Format.CSV)
                        .text("text")
                        .label("label")
                        .labels("pos")
                        .maxRecordBytes(40)
                        .badRows(BadRowPolicy.SKIP)
                        .maxBadFraction(1)
                        .build();
        assertEquals(
                "file:"
                        + f
                        + ": CSV record starting at line 2 is longer than 40 characters (an unterminated quoted field?)",
                message(spec, f.toString()));
    }

    @Test
    void parquetMissingColumnAndNonParquetFile() throws IOException {
        Path p = new Path(tmp.toString(), "data.parquet");
        TestData.parquet(
                p,
                CONF,
                TestData.rows(2, false),
                org.apache.parquet.hadoop.metadata.CompressionCodecName.UNCOMPRESSED);
        DatasetSpec spec =
                DatasetSpec.builder(Format.PARQUET)
                        .text("sentence")
                        .label("label")
                        .labels("neg", "pos")
                        .build();
        assertEquals(
                "file:"
                        + tmp
                        + "/data.parquet: no column 'sentence' in Parquet schema [text, label, extra]",
                message(spec, p.toString()));
        java.nio.file.Path notParquet = file("fake.parquet", "sentence,label\n");
        String m = message(spec, notParquet.toString());
        assertTrue(m.startsWith("file:" + notParquet + ": not a readable Parquet file: "), m);
    }

    @Test
    void classificationWithoutLabelListIsRejectedBeforeReading() throws IOException {
        java.nio.file.Path f = file("x.tsv", "sentence\tlabel\na\t1\n");
        DatasetSpec spec = DatasetSpec.builder(Format.TSV).text("sentence").label("label").build();
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> TestData.readAll(spec, CONF, f.toString()));
        assertEquals(
                "a classification dataset needs a label list: give one in the spec or collect it first with "
                        + "LabelCollector",
                e.getMessage());
    }
}
