package org.adamix.datasets.generation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import org.adamix.datasets.BadReason;
import org.adamix.datasets.BadRowException;
import org.adamix.datasets.BadRowPolicy;
import org.adamix.datasets.DatasetSpec;
import org.adamix.datasets.Format;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

/**
 * Source → target pairs from E2E-style CSV and JSON Lines fixtures, grouped into references per
 * source.
 */
class GenerationReaderTest {
    private static final Configuration CONF = new Configuration();

    @Test
    void e2eCsvKeepsQuotedCommasQuotesAndLineBreaksInOneField() {
        List<GenerationExample> rows =
                GenerationReader.readAll(GenerationReader.e2eCsv(), CONF, fixture("e2e-like.csv"));
        assertEquals(6, rows.size());
        GenerationExample first = rows.get(0);
        assertEquals(
                "name[The Copper Kettle], eatType[coffee shop], area[riverside]", first.source());
        assertEquals("The Copper Kettle is a coffee shop by the riverside.", first.target());
        assertEquals("e2e-like.csv:2", first.id());
        assertEquals(2, first.location().number());
        assertEquals("The Copper Kettle, a \"riverside\" coffee shop.", rows.get(3).target());
        assertEquals(
                "Near Harbour Bridge\nis Green Olive, an Italian place.", rows.get(4).target());
        // The record after a two-line field starts two lines later.
        assertEquals(8, rows.get(5).location().number());
    }

    @Test
    void referencesAreGroupedBySourceInFirstAppearanceOrder() {
        List<References> refs =
                References.bySource(
                        GenerationReader.readAll(
                                GenerationReader.e2eCsv(), CONF, fixture("e2e-like.csv")));
        assertEquals(
                List.of(
                        "name[The Copper Kettle], eatType[coffee shop], area[riverside]",
                        "name[Green Olive], food[Italian], near[Harbour Bridge]",
                        "name[Zest]"),
                refs.stream().map(References::source).toList());
        assertEquals(
                List.of(
                        "The Copper Kettle is a coffee shop by the riverside.",
                        "By the river, there is a coffee shop called The Copper Kettle.",
                        "The Copper Kettle, a \"riverside\" coffee shop."),
                refs.get(0).targets());
        assertEquals(2, refs.get(1).targets().size());
        assertEquals(List.of("Zest."), refs.get(2).targets());
    }

    @Test
    void groupingInterleavedSourcesKeepsEachSourcesTargetOrder() {
        List<References> refs =
                References.bySource(
                        List.of(
                                new GenerationExample("A", "a1"),
                                new GenerationExample("B", "b2"),
                                new GenerationExample("A", "a3"),
                                new GenerationExample("C", "c4"),
                                new GenerationExample("B", "b5"),
                                new GenerationExample("A", "a1")));
        assertEquals(
                List.of(
                        new References("A", List.of("a1", "a3", "a1")),
                        new References("B", List.of("b2", "b5")),
                        new References("C", List.of("c4"))),
                refs);
        assertThrows(IllegalArgumentException.class, () -> new References("A", List.of()));
    }

    @Test
    void jsonlWithDefaultAndRenamedFields() {
        List<GenerationExample> rows =
                GenerationReader.readAll(GenerationReader.jsonl(), CONF, fixture("pairs.jsonl"));
        assertEquals(3, rows.size());
        assertEquals("Lantern Row serves Japanese food, \"fresh\" daily.", rows.get(1).target());
        List<References> refs = References.bySource(rows);
        assertEquals(2, refs.size());
        assertEquals(
                List.of(
                        "Saffron Court offers cheap Chinese food.",
                        "Cheap Chinese food: Saffron Court."),
                refs.get(0).targets());

        List<GenerationExample> renamed =
                GenerationReader.readAll(
                        GenerationReader.jsonl("meaning", "text"),
                        CONF,
                        fixture("pairs-renamed.jsonl"));
        assertEquals(
                List.of(
                        new References(
                                "name[Nook], eatType[coffee shop]",
                                List.of(
                                        "Nook is a coffee shop.",
                                        "There is a coffee shop called Nook."))),
                References.bySource(renamed));
    }

    @Test
    void badCsvRowNamesFileAndLine() {
        String file = fixture("e2e-like-bad.csv");
        BadRowException e =
                assertThrows(
                        BadRowException.class,
                        () -> GenerationReader.readAll(GenerationReader.e2eCsv(), CONF, file));
        assertEquals(BadReason.WRONG_COLUMN_COUNT, e.reason());
        assertEquals(3, e.location().number());
        assertEquals(
                "Bad row in "
                        + e.location().file()
                        + " at line 3: wrong column count: expected 3 fields, found 4",
                e.getMessage());
        assertTrue(
                e.location().file().endsWith("generation/e2e-like-bad.csv"), e.location().file());
    }

    @Test
    void badJsonlRowNamesFileLineAndMissingField() {
        String file = fixture("pairs-bad.jsonl");
        BadRowException e =
                assertThrows(
                        BadRowException.class,
                        () -> GenerationReader.readAll(GenerationReader.jsonl(), CONF, file));
        assertEquals(
                "Bad row in "
                        + e.location().file()
                        + " at line 3: missing field: no field 'target'",
                e.getMessage());
        assertTrue(e.location().file().endsWith("generation/pairs-bad.jsonl"), e.location().file());
    }

    @Test
    void skipPolicyCountsTheBadRowAndKeepsTheRest() {
        DatasetSpec skip =
                DatasetSpec.builder(Format.CSV)
                        .text("mr")
                        .pair("ref")
                        .badRows(BadRowPolicy.SKIP)
                        .maxBadFraction(0.5)
                        .build();
        try (GenerationReader r = GenerationReader.open(skip, CONF, fixture("e2e-like-bad.csv"))) {
            int good = 0;
            while (r.hasNext()) {
                r.next();
                good++;
            }
            assertEquals(2, good);
            assertEquals(1, r.report().badRows());
        }
    }

    @Test
    void specsWithoutTargetOrWithLabelAreRejected() {
        DatasetSpec noTarget = DatasetSpec.builder(Format.JSONL).text("source").build();
        assertThrows(
                IllegalArgumentException.class,
                () -> GenerationReader.open(noTarget, CONF, "x.jsonl"));
        DatasetSpec labelled =
                DatasetSpec.builder(Format.JSONL)
                        .text("source")
                        .pair("target")
                        .label("label")
                        .labels("a", "b")
                        .build();
        assertThrows(
                IllegalArgumentException.class,
                () -> GenerationReader.open(labelled, CONF, "x.jsonl"));
    }

    /**
     * The real E2E dev and test sets (../shared), when present: every row read, an MR has several
     * references.
     */
    @Test
    void realE2eFilesReadWhole() {
        Path dir = E2eTestData.dirOrSkip();
        List<GenerationExample> dev =
                GenerationReader.readAll(
                        GenerationReader.e2eCsv(), CONF, dir.resolve(E2eTestData.DEV).toString());
        List<GenerationExample> test =
                GenerationReader.readAll(
                        GenerationReader.e2eCsv(), CONF, dir.resolve(E2eTestData.TEST).toString());
        // The row counts the data's README states.
        assertEquals(4299, dev.size());
        assertEquals(4693, test.size());
        List<References> devRefs = References.bySource(dev);
        assertEquals(dev.size(), devRefs.stream().mapToInt(r -> r.targets().size()).sum());
        assertTrue(devRefs.size() < dev.size() / 2, "E2E has several references per MR");
        System.out.println(
                "E2E dev: "
                        + dev.size()
                        + " rows, "
                        + devRefs.size()
                        + " MRs; test: "
                        + test.size()
                        + " rows, "
                        + References.bySource(test).size()
                        + " MRs");
    }

    static String fixture(String name) {
        try {
            return Path.of(GenerationReaderTest.class.getResource("/generation/" + name).toURI())
                    .toString();
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("test resource generation/" + name + " is missing", e);
        }
    }
}
