package org.adamix.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabelsTest {
    private static final Configuration CONF = new Configuration();

    @TempDir java.nio.file.Path tmp;

    @Test
    void givenOrderDefinesTheIndex() {
        LabelList l = LabelList.of("entailment", "neutral", "contradiction");
        assertEquals(0, l.indexOf("entailment"));
        assertEquals(2, l.indexOf("contradiction"));
        assertEquals(-1, l.indexOf("Neutral"));
        assertEquals("neutral", l.get(1));
    }

    @Test
    void sortedOfUsesNumericOrderForIntegersElseLexicographic() {
        assertEquals(
                List.of("-1", "0", "2", "10"),
                LabelList.sortedOf(Set.of("10", "2", "0", "-1")).labels());
        assertEquals(
                List.of("10", "2", "neg"), LabelList.sortedOf(Set.of("neg", "10", "2")).labels());
    }

    @Test
    void rejectsDuplicatesAndEmptyLabels() {
        assertEquals(
                "duplicate label 'a'",
                assertThrows(IllegalArgumentException.class, () -> LabelList.of("a", "b", "a"))
                        .getMessage());
        assertEquals(
                "empty label at position 1",
                assertThrows(IllegalArgumentException.class, () -> LabelList.of("a", ""))
                        .getMessage());
        assertEquals(
                "a label list needs at least one label",
                assertThrows(IllegalArgumentException.class, LabelList::of).getMessage());
    }

    @Test
    void jsonRoundTripOnAFileSystem() throws IOException {
        LabelList l = LabelList.of("neg", "pos", "ünïcode \"quoted\"");
        assertEquals("{\"labels\":[\"neg\",\"pos\",\"ünïcode \\\"quoted\\\"\"]}", l.toJson());
        Path p = new Path(tmp.toString(), "run/labels.json");
        l.write(p, CONF);
        assertEquals(l, LabelList.read(p, CONF));
        LabelList other = LabelList.of("x");
        other.write(p, CONF); // replaces
        assertEquals(other, LabelList.read(p, CONF));
        assertEquals(
                "label list JSON must be an object with a \"labels\" array",
                assertThrows(IllegalArgumentException.class, () -> LabelList.fromJson("[\"a\"]"))
                        .getMessage());
        assertEquals(
                "label list JSON: every label must be a string, found 1",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> LabelList.fromJson("{\"labels\":[1]}"))
                        .getMessage());
        assertEquals(
                "label list file does not exist: file:" + tmp + "/nope.json",
                assertThrows(
                                DatasetException.class,
                                () -> LabelList.read(new Path(tmp + "/nope.json"), CONF))
                        .getMessage());
    }

    @Test
    void collectorFindsEveryLabelOnceInCanonicalOrder() throws IOException {
        java.nio.file.Path f = tmp.resolve("mnli.jsonl");
        Files.writeString(
                f,
                "{\"p\":\"a\",\"h\":\"b\",\"gold\":\"neutral\"}\n{\"p\":\"a\",\"h\":\"b\",\"gold\":\"entailment\"}\n"
                        + "{\"p\":\"a\",\"h\":\"b\",\"gold\":\"contradiction\"}\n{\"p\":\"a\",\"h\":\"b\",\"gold\":\"neutral\"}\n");
        DatasetSpec spec =
                DatasetSpec.builder(Format.JSONL).text("p").pair("h").label("gold").build();
        LabelList labels = LabelCollector.collect(spec, CONF, f.toString());
        assertEquals(List.of("contradiction", "entailment", "neutral"), labels.labels());
        List<Example> read = TestData.readAll(spec.withLabels(labels), CONF, f.toString());
        assertEquals(List.of(2, 1, 0, 2), read.stream().map(Example::label).toList());
    }

    @Test
    void collectorFollowsTheBadRowPolicy() throws IOException {
        java.nio.file.Path f = tmp.resolve("sst.tsv");
        Files.writeString(f, "sentence\tlabel\na\t1\nb\t0\n\t5\nc\n");
        DatasetSpec skip =
                DatasetSpec.builder(Format.TSV)
                        .text("sentence")
                        .label("label")
                        .badRows(BadRowPolicy.SKIP)
                        .maxBadFraction(0.5)
                        .build();
        assertEquals(
                List.of("0", "1"),
                LabelCollector.collect(skip, CONF, f.toString())
                        .labels()); // 5 is on an empty-text row
        DatasetSpec fail = DatasetSpec.builder(Format.TSV).text("sentence").label("label").build();
        assertEquals(
                "Bad row in file:" + f + " at line 4: empty text: column 'sentence' is empty",
                assertThrows(
                                BadRowException.class,
                                () -> LabelCollector.collect(fail, CONF, f.toString()))
                        .getMessage());
    }

    @Test
    void collectorRefusesRegression() {
        DatasetSpec reg =
                DatasetSpec.builder(Format.TSV)
                        .text("s")
                        .label("score")
                        .task(TaskType.REGRESSION)
                        .build();
        assertThrows(
                IllegalArgumentException.class,
                () -> LabelCollector.collect(reg, CONF, tmp.toString()));
    }
}
