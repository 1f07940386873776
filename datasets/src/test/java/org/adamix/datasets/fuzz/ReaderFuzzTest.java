package org.adamix.datasets.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.adamix.datasets.DatasetException;
import org.adamix.datasets.DatasetReader;
import org.adamix.datasets.DatasetSpec;
import org.adamix.datasets.tokenize.EncodeOptions;
import org.adamix.datasets.tokenize.Tokenizer;
import org.adamix.datasets.tokenize.Tokenizers;
import org.apache.hadoop.conf.Configuration;

/**
 * Arbitrary input files and texts against the readers' and the tokenizer's contracts. Run by {@code
 * mvn test} on the committed inputs (regression mode); {@code JAZZER_FUZZ=1 mvn -pl datasets test
 * -Dtest='ReaderFuzzTest#method'} fuzzes one method for its maxDuration and saves any crashing
 * input next to the others.
 */
class ReaderFuzzTest {
    private static final Configuration CONF = new Configuration();

    /**
     * Any bytes as a JSONL, CSV or TSV file of text + label rows: every row read, or a
     * DatasetException naming the file and line — never another exception.
     */
    @FuzzTest(maxDuration = "5m")
    void readersFailCleanly(FuzzedDataProvider data) throws IOException {
        String format = data.pickValue(new String[] {"jsonl", "csv", "tsv"});
        boolean skip = data.consumeBoolean();
        byte[] bytes = data.consumeRemainingAsBytes();
        Path f = Files.createTempFile("fuzz-", "." + format);
        try {
            Files.write(f, bytes);
            Map<String, String> o = new java.util.HashMap<>();
            o.put("format", format);
            o.put("text", format.equals("jsonl") ? "text" : "#0");
            o.put("label", format.equals("jsonl") ? "label" : "#1");
            o.put("labels", "neg,pos");
            o.put("header", "false");
            o.put("bad-rows", skip ? "skip" : "fail");
            if (skip) o.put("max-bad-fraction", "0.5");
            DatasetSpec spec = DatasetSpec.fromOptions(o);
            try (DatasetReader r = DatasetReader.open(spec, CONF, f.toString())) {
                while (r.hasNext()) r.next();
            } catch (DatasetException expected) {
                // the one allowed failure
            }
        } finally {
            Files.deleteIfExists(f);
        }
    }

    /**
     * Any text as tokenizer.json: a tokenizer, or an IOException / IllegalArgumentException saying
     * what is wrong with the file — the two errors loading declares.
     */
    @FuzzTest(maxDuration = "5m")
    void tokenizerJsonFailsCleanly(byte[] data) {
        try {
            Tokenizers.fromJson(new java.io.ByteArrayInputStream(data));
        } catch (IOException | IllegalArgumentException expected) {
            // the allowed failures
        }
    }

    private static Tokenizer gpt2;

    /**
     * GPT-2's byte-level BPE loses nothing: any text (without lone surrogates, which have no UTF-8)
     * decodes back from its ids exactly.
     */
    @FuzzTest(maxDuration = "5m")
    void gpt2RoundTrips(FuzzedDataProvider data) throws IOException {
        if (gpt2 == null)
            gpt2 =
                    Tokenizers.load(gpt2Dir())
                            .withOptions(EncodeOptions.DEFAULT.withSpecialTokens(false));
        String text = data.consumeRemainingAsString();
        String valid =
                new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)
                        .replace('\uFFFD', '?');
        assertEquals(valid, gpt2.decode(gpt2.encode(valid).ids()));
    }

    /**
     * GPT-2's files: -Dadamix.gpt2.dir, or data/gpt2 beside the repository (the build fetches
     * them).
     */
    static Path gpt2Dir() {
        String dir = System.getProperty("adamix.gpt2.dir");
        if (dir != null) return Path.of(dir);
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent())
            if (Files.isRegularFile(p.resolve("data/gpt2/vocab.json")))
                return p.resolve("data/gpt2");
        throw new IllegalStateException("no data/gpt2 (bin/fetch-gpt2-tokenizer)");
    }
}
