package org.adamix.datasets.imdb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.adamix.datasets.DatasetReader;
import org.adamix.datasets.DatasetSpec;
import org.adamix.datasets.Example;
import org.adamix.datasets.Format;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The IMDB preparation on a small generated reviews.json (no network). */
class PrepareImdbTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path tmp;

    /** 30 negative and 20 positive reviews, interleaved, with text that needs escaping. */
    private Path source(int neg, int pos) throws IOException {
        ArrayNode array = JSON.createArrayNode();
        int n = 0;
        int p = 0;
        while (n < neg || p < pos) {
            boolean positive = p < pos && (n >= neg || (n + p) % 3 == 2);
            int i = positive ? p++ : n++;
            array.addObject()
                    .put(
                            "t",
                            (positive ? "Loved it, \"truly\" " : "Dull <br /><br />film, naïve ")
                                    + i
                                    + " 😀")
                    .put("s", positive ? 1 : 0);
        }
        Path f = tmp.resolve("reviews.json");
        JSON.writeValue(f.toFile(), array);
        return f;
    }

    private static List<JsonNode> lines(Path f) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(f)) {
            out.add(JSON.readTree(line));
        }
        return out;
    }

    @Test
    void writesStratifiedDisjointCompleteSplitsAndAManifest() throws IOException {
        Path src = source(30, 20);
        Path out = tmp.resolve("imdb");
        assertEquals(PrepareImdb.Outcome.WROTE, PrepareImdb.prepare(src, out, 42));

        JsonNode manifest = JSON.readTree(out.resolve("manifest.json").toFile());
        assertEquals(PrepareImdb.sha256(src), manifest.get("source").get("sha256").asText());
        assertEquals(50, manifest.get("source").get("reviews").asInt());
        assertEquals(
                Map.of("neg", 24, "pos", 16),
                JSON.convertValue(manifest.at("/splits/train/labels"), Map.class));
        assertEquals(
                Map.of("neg", 3, "pos", 2),
                JSON.convertValue(manifest.at("/splits/dev/labels"), Map.class));
        assertEquals(
                Map.of("neg", 3, "pos", 2),
                JSON.convertValue(manifest.at("/splits/test/labels"), Map.class));

        Set<String> ids = new HashSet<>();
        int total = 0;
        for (String split : PrepareImdb.SPLITS) {
            Path f = out.resolve(split + ".jsonl");
            assertEquals(
                    PrepareImdb.sha256(f), manifest.at("/splits/" + split + "/sha256").asText());
            List<JsonNode> rows = lines(f);
            assertEquals(manifest.at("/splits/" + split + "/count").asInt(), rows.size());
            for (JsonNode r : rows) {
                assertEquals(Set.of("id", "text", "label"), toSet(r.fieldNames()));
                ids.add(r.get("id").asText());
                total++;
                // The text survived the round trip, and its label matches the generator's.
                boolean positive = r.get("label").asText().equals("pos");
                assertTrue(
                        r.get("text")
                                .asText()
                                .startsWith(
                                        positive
                                                ? "Loved it, \"truly\" "
                                                : "Dull <br /><br />film, naïve "));
                assertTrue(r.get("text").asText().endsWith(" 😀"));
            }
        }
        assertEquals(50, total);
        assertEquals(50, ids.size()); // disjoint and complete
        assertTrue(ids.contains("imdb-00000") && ids.contains("imdb-00049"));
        try (var s = Files.list(out)) {
            assertEquals(
                    Set.of("train.jsonl", "dev.jsonl", "test.jsonl", "manifest.json"),
                    toSet(s.map(p -> p.getFileName().toString()).iterator())); // no temp files left
        }
    }

    @Test
    void splitsAreReadableByTheDatasetReader() throws IOException {
        Path out = tmp.resolve("imdb");
        PrepareImdb.prepare(source(30, 20), out, 42);
        DatasetSpec spec =
                DatasetSpec.builder(Format.JSONL)
                        .text("text")
                        .label("label")
                        .id("id")
                        .labels("neg", "pos")
                        .build();
        List<Example> train = new ArrayList<>();
        try (DatasetReader r =
                DatasetReader.open(
                        spec, new Configuration(), out.resolve("train.jsonl").toString())) {
            r.forEachRemaining(train::add);
        }
        assertEquals(40, train.size());
        assertEquals(16, train.stream().filter(e -> e.label() == 1).count());
        assertTrue(train.get(0).id().startsWith("imdb-"));
    }

    @Test
    void deterministicForASeedAndDifferentForAnother() throws IOException {
        Path src = source(30, 20);
        PrepareImdb.prepare(src, tmp.resolve("a"), 42);
        PrepareImdb.prepare(src, tmp.resolve("b"), 42);
        PrepareImdb.prepare(src, tmp.resolve("c"), 7);
        for (String split : PrepareImdb.SPLITS) {
            assertArrayEquals(
                    Files.readAllBytes(tmp.resolve("a/" + split + ".jsonl")),
                    Files.readAllBytes(tmp.resolve("b/" + split + ".jsonl")));
        }
        assertNotEquals(
                PrepareImdb.sha256(tmp.resolve("a/test.jsonl")),
                PrepareImdb.sha256(tmp.resolve("c/test.jsonl")));
        // Checked against an independent Python reimplementation of java.util.Random and the
        // documented
        // split; pinned so an accidental change of the algorithm is noticed.
        assertEquals(
                List.of("imdb-00044", "imdb-00016", "imdb-00011", "imdb-00033", "imdb-00015"),
                lines(tmp.resolve("a/test.jsonl")).stream()
                        .map(n -> n.get("id").asText())
                        .toList());
    }

    @Test
    void rerunDoesNothingWhenTheManifestMatchesAndRedoesWhenAFileChanged() throws IOException {
        Path src = source(30, 20);
        Path out = tmp.resolve("imdb");
        PrepareImdb.prepare(src, out, 42);
        Path train = out.resolve("train.jsonl");
        FileTime old = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(train, old);
        Files.setLastModifiedTime(out.resolve("manifest.json"), old);
        assertEquals(PrepareImdb.Outcome.UP_TO_DATE, PrepareImdb.prepare(src, out, 42));
        assertEquals(old, Files.getLastModifiedTime(train));
        assertEquals(old, Files.getLastModifiedTime(out.resolve("manifest.json")));

        byte[] good = Files.readAllBytes(train);
        Files.writeString(train, "tampered\n");
        assertEquals(PrepareImdb.Outcome.WROTE, PrepareImdb.prepare(src, out, 42));
        assertArrayEquals(good, Files.readAllBytes(train));

        assertEquals(
                PrepareImdb.Outcome.WROTE,
                PrepareImdb.prepare(src, out, 43)); // another seed is another dataset
        assertEquals(43, JSON.readTree(out.resolve("manifest.json").toFile()).get("seed").asInt());
    }

    @Test
    void malformedSourcesAreRejectedWithTheReviewNamed() throws IOException {
        Path f = tmp.resolve("bad.json");
        Map<String, String> cases =
                Map.of(
                        "[{\"t\":\"ok\",\"s\":0},{\"t\":\"x\",\"s\":2}]",
                                "review 1: \"s\" must be 0 or 1, found 2",
                        "[{\"t\":\"ok\",\"s\":0},{\"s\":1}]",
                                "review 1: \"t\" must be a non-blank string",
                        "[{\"t\":\"  \",\"s\":1}]", "review 0: \"t\" must be a non-blank string",
                        "[{\"t\":\"ok\",\"s\":\"1\"}]",
                                "review 0: \"s\" must be 0 or 1, found \"1\"",
                        "[{\"t\":\"ok\",\"s\":1,\"x\":3}]", "review 0: unexpected field 'x'",
                        "{\"t\":\"ok\",\"s\":1}", "expected a JSON array of reviews",
                        "[]", "no reviews",
                        "[\"text\"]", "review 0: expected an object {\"t\": text, \"s\": 0|1}");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Files.writeString(f, c.getKey());
            IOException e =
                    assertThrows(
                            IOException.class,
                            () -> PrepareImdb.prepare(f, tmp.resolve("out"), 42));
            assertEquals(f + ": " + c.getValue(), e.getMessage());
        }
        Files.write(f, new byte[] {'[', '{', '"', 't', '"', ':', '"', (byte) 0xC3, '"'});
        IOException e =
                assertThrows(
                        IOException.class, () -> PrepareImdb.prepare(f, tmp.resolve("out"), 42));
        assertTrue(
                e.getMessage().startsWith(f + ": malformed JSON: Invalid UTF-8"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("out/manifest.json")));
    }

    private static Set<String> toSet(java.util.Iterator<String> it) {
        Set<String> s = new HashSet<>();
        it.forEachRemaining(s::add);
        return s;
    }
}
