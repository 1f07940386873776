package org.adamix.datasets.generation.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.adamix.datasets.generation.E2eTestData;
import org.adamix.datasets.generation.GenerationReader;
import org.adamix.datasets.generation.References;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Corpus BLEU and ROUGE-L against NLTK: the fixture experiments/nlg_metrics_reference.py wrote
 * (NLTK's corpus_bleu and its parts, ROUGE-L after coco-caption's formula), and the same script run
 * live on the real E2E dev set.
 */
class NlgMetricsTest {
    private static final double TOLERANCE = 1e-9;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void equalTheNltkFixture() throws IOException {
        JsonNode fixture;
        try (InputStream in =
                NlgMetricsTest.class.getResourceAsStream(
                        "/generation/nlg-metrics-reference.json")) {
            assertTrue(
                    in != null, "test resource generation/nlg-metrics-reference.json is missing");
            fixture = JSON.readTree(in);
        }
        double worst = 0;
        int corpora = 0;
        for (JsonNode c : fixture.path("corpora")) {
            String name = c.path("name").asText();
            List<String> hypotheses = strings(c.path("hypotheses"));
            List<List<String>> references = new ArrayList<>();
            for (JsonNode refs : c.path("references")) {
                references.add(strings(refs));
            }
            CorpusBleu bleu = CorpusBleu.of(hypotheses, references);
            for (int n = 1; n <= CorpusBleu.MAX_ORDER; n++) {
                assertEquals(
                        c.path("matches").get(n - 1).asLong(),
                        bleu.matches(n),
                        name + " matches " + n);
                assertEquals(
                        c.path("totals").get(n - 1).asLong(),
                        bleu.totals(n),
                        name + " totals " + n);
            }
            assertEquals(c.path("hypothesis_length").asLong(), bleu.hypothesisLength(), name);
            assertEquals(c.path("reference_length").asLong(), bleu.referenceLength(), name);
            worst =
                    Math.max(
                            worst,
                            close(
                                    c.path("brevity_penalty").asDouble(),
                                    bleu.brevityPenalty(),
                                    name + " BP"));
            worst = Math.max(worst, close(c.path("bleu").asDouble(), bleu.score(), name + " BLEU"));
            worst =
                    Math.max(
                            worst,
                            close(
                                    c.path("rouge_l").asDouble(),
                                    RougeL.corpus(hypotheses, references),
                                    name + " ROUGE-L"));
            corpora++;
        }
        assertTrue(corpora >= 10, "fixture has only " + corpora + " corpora");
        System.out.println(
                "BLEU, its parts and ROUGE-L equal NLTK "
                        + fixture.path("nltk").asText()
                        + " on "
                        + corpora
                        + " fixture corpora; largest difference "
                        + worst);
    }

    @Test
    void inputsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> CorpusBleu.of(List.of("a"), List.of()));
        assertThrows(
                IllegalArgumentException.class,
                () -> CorpusBleu.of(List.of("a"), List.of(List.of())));
        assertThrows(IllegalArgumentException.class, () -> RougeL.corpus(List.of(), List.of()));
        assertEquals(
                List.of("the", "eagle,", "a", "pub."),
                MetricTokens.of(" The\tEAGLE,\u00A0a\u3000pub.\n"));
    }

    /**
     * The real E2E dev set (../shared), each MR's first reference taken as the hypothesis against
     * its other references, scored here and by NLTK through the reference script run live (skipped
     * without python3 + nltk).
     */
    @Test
    void realE2eDevEqualsNltkRunLive(@TempDir Path tmp) throws Exception {
        Path dir = E2eTestData.dirOrSkip();
        String python = pythonWithNltk();
        assumeTrue(python != null, "no python3 with nltk: skipped");
        List<String> hypotheses = new ArrayList<>();
        List<List<String>> references = new ArrayList<>();
        for (References r :
                References.bySource(
                        GenerationReader.readAll(
                                GenerationReader.e2eCsv(),
                                new Configuration(),
                                dir.resolve(E2eTestData.DEV).toString()))) {
            if (r.targets().size() >= 2) {
                hypotheses.add(r.targets().get(0));
                references.add(r.targets().subList(1, r.targets().size()));
            }
        }
        CorpusBleu bleu = CorpusBleu.of(hypotheses, references);
        double rouge = RougeL.corpus(hypotheses, references);

        JsonNode nltk = runReference(python, hypotheses, references, tmp);
        double bleuDiff = close(nltk.path("bleu").asDouble(), bleu.score(), "E2E dev BLEU");
        double rougeDiff = close(nltk.path("rouge_l").asDouble(), rouge, "E2E dev ROUGE-L");
        System.out.printf(
                "E2E dev, %d MRs, first reference vs the others: BLEU java %.17g nltk %s %.17g (|diff| %.2g);"
                        + " ROUGE-L java %.17g python %.17g (|diff| %.2g); %s%n",
                hypotheses.size(),
                bleu.score(),
                nltk.path("nltk").asText(),
                nltk.path("bleu").asDouble(),
                bleuDiff,
                rouge,
                nltk.path("rouge_l").asDouble(),
                rougeDiff,
                bleu);
    }

    private static double close(double expected, double actual, String what) {
        double diff = Math.abs(expected - actual);
        assertTrue(diff <= TOLERANCE, what + ": expected " + expected + ", got " + actual);
        return diff;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(s -> out.add(s.asText()));
        return out;
    }

    /**
     * The first python3 that imports nltk (Debian's python3-nltk lives in the system python), or
     * null.
     */
    private static String pythonWithNltk() throws InterruptedException {
        for (String python :
                List.of(System.getProperty("adamix.python", "python3"), "/usr/bin/python3")) {
            try {
                Process p =
                        new ProcessBuilder(python, "-c", "import nltk")
                                .redirectErrorStream(true)
                                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                                .start();
                if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return python;
                }
                p.destroyForcibly();
            } catch (IOException notThere) {
                // Try the next one.
            }
        }
        return null;
    }

    private static JsonNode runReference(
            String python, List<String> hypotheses, List<List<String>> references, Path tmp)
            throws Exception {
        ObjectNode input = JSON.createObjectNode();
        ArrayNode hyps = input.putArray("hypotheses");
        hypotheses.forEach(hyps::add);
        ArrayNode refs = input.putArray("references");
        for (List<String> rs : references) {
            ArrayNode a = refs.addArray();
            rs.forEach(a::add);
        }
        Path script = E2eTestData.repoRoot().resolve("experiments/nlg_metrics_reference.py");
        Path errors = tmp.resolve("stderr.txt");
        Process p =
                new ProcessBuilder(python, script.toString(), "--score")
                        .redirectError(errors.toFile())
                        .start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(JSON.writeValueAsBytes(input));
        }
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "the reference script did not finish");
        assertEquals(0, p.exitValue(), "the reference script failed: " + Files.readString(errors));
        return JSON.readTree(new String(out, StandardCharsets.UTF_8));
    }
}
