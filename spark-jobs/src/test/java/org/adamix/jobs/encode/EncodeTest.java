package org.adamix.jobs.encode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.adamix.datasets.tokenize.EncodeOptions;
import org.adamix.datasets.tokenize.Tokenizer;
import org.adamix.datasets.tokenize.Tokenizers;
import org.adamix.jobs.AdaMix;
import org.adamix.model.checkpoint.BackboneLoader;
import org.adamix.model.checkpoint.HfFolderWriter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code adamix encode} through the picocli entry point, on the real MiniLM (data/minilm,
 * bin/fetch-minilm).
 */
class EncodeTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static Path miniLm;

    @BeforeAll
    static void data() {
        Path root = Path.of("").toAbsolutePath();
        while (root != null
                && !(Files.exists(root.resolve(".git")) && Files.isDirectory(root.resolve("bin"))))
            root = root.getParent();
        if (root == null) fail("repository root not found from " + Path.of("").toAbsolutePath());
        miniLm = root.resolve("data/minilm");
        if (!Files.isRegularFile(miniLm.resolve("model.onnx"))
                || !Files.isRegularFile(miniLm.resolve("tokenizer.json")))
            fail("MiniLM not found at " + miniLm + ": run bin/fetch-minilm");
    }

    record Run(int exit, String out, String err) {}

    static Run run(String... args) {
        CommandLine cl = AdaMix.commandLine();
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    static Path write(Path dir, String name, String text) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, text, StandardCharsets.UTF_8);
        return f;
    }

    static List<JsonNode> read(Path f) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(f, StandardCharsets.UTF_8))
            out.add(JSON.readTree(line));
        return out;
    }

    static float[] vector(JsonNode o) {
        JsonNode v = o.get("first_token");
        float[] f = new float[v.size()];
        for (int i = 0; i < f.length; i++) f[i] = (float) v.get(i).asDouble();
        return f;
    }

    static void assertNoLeftovers(Path dir, String... expected) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(
                    Arrays.stream(expected).sorted().toList(),
                    s.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void encodesEachLineWithTokenIdsAndTheFirstTokensHiddenState(@TempDir Path tmp)
            throws Exception {
        List<String> texts =
                List.of(
                        "A wonderful little film.",
                        "Terrible.",
                        "Café crème, naïve résumé: the plot was predictable but the actors were great and the music even better.");
        Path in = write(tmp, "texts.txt", String.join("\n", texts) + "\n");
        Path out = tmp.resolve("out/emb.jsonl");
        Run r =
                run(
                        "encode",
                        "--backbone",
                        miniLm.toString(),
                        "--input",
                        in.toString(),
                        "--output",
                        out.toString(),
                        "--batch-size",
                        "2");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("wrote 3 lines"), r.out());

        List<JsonNode> rows = read(out);
        assertEquals(3, rows.size());
        Tokenizer tok =
                Tokenizers.load(miniLm).withOptions(EncodeOptions.DEFAULT.withMaxLength(512));
        for (int i = 0; i < 3; i++) {
            JsonNode o = rows.get(i);
            assertEquals(i + 1, o.get("line").asInt());
            int[] ids = new int[o.get("ids").size()];
            for (int j = 0; j < ids.length; j++) ids[j] = o.get("ids").get(j).asInt();
            var e = tok.encode(texts.get(i));
            assertArrayEquals(Arrays.copyOf(e.ids(), e.length()), ids, "ids of line " + (i + 1));
            assertEquals(101, ids[0]); // [CLS]
            assertEquals(384, o.get("first_token").size());
        }

        // batching and padding do not change the vectors: one text per batch gives the same numbers
        Path single = tmp.resolve("single.jsonl");
        assertEquals(
                0,
                run(
                                "encode",
                                "--backbone",
                                miniLm.toString(),
                                "--input",
                                in.toString(),
                                "--output",
                                single.toString(),
                                "--batch-size",
                                "1")
                        .exit());
        List<JsonNode> one = read(single);
        for (int i = 0; i < 3; i++)
            assertArrayEquals(vector(one.get(i)), vector(rows.get(i)), 1e-5f, "line " + (i + 1));
        assertFalse(Arrays.equals(vector(rows.get(0)), vector(rows.get(1))));
        assertNoLeftovers(tmp.resolve("out"), "emb.jsonl");
    }

    @Test
    void pairsAndTruncationAndAHuggingFaceFolder(@TempDir Path tmp) throws Exception {
        // the same weights as a Hugging Face folder (config.json + model.safetensors) with the
        // tokenizer beside them
        Path hf = tmp.resolve("minilm-hf");
        HfFolderWriter.write(BackboneLoader.load(miniLm), hf);
        Files.copy(miniLm.resolve("tokenizer.json"), hf.resolve("tokenizer.json"));

        Path in =
                write(
                        tmp,
                        "pairs.tsv",
                        "A man is eating.\tSomeone eats food.\r\nThe sky is blue today, very blue.\tIt rains.\n");
        Path viaOnnx = tmp.resolve("onnx.jsonl"), viaHf = tmp.resolve("hf.jsonl");
        for (Path[] p : new Path[][] {{miniLm, viaOnnx}, {hf, viaHf}}) {
            Run r =
                    run(
                            "encode",
                            "--backbone",
                            p[0].toString(),
                            "--input",
                            in.toString(),
                            "--output",
                            p[1].toString(),
                            "--pairs",
                            "--max-length",
                            "8");
            assertEquals(0, r.exit(), r.err());
        }
        List<JsonNode> a = read(viaOnnx), b = read(viaHf);
        assertEquals(2, a.size());
        for (int i = 0; i < 2; i++) {
            assertEquals(8, a.get(i).get("ids").size(), "truncated to --max-length");
            assertEquals(a.get(i).get("ids"), b.get(i).get("ids"));
            assertEquals(
                    1, a.get(i).get("type_ids").get(7).asInt(), "second sentence has token type 1");
            assertArrayEquals(
                    vector(a.get(i)),
                    vector(b.get(i)),
                    0f,
                    "ONNX import and HF folder give the same numbers");
        }
    }

    @Test
    void badInputExitsTwoWithOneLineNamingFileAndLineAndWritesNothing(@TempDir Path tmp)
            throws Exception {
        Path out = tmp.resolve("out.jsonl");
        Files.writeString(out, "previous\n");
        String[][] cases = {
            {"empty.txt", "good text\n\nmore\n", "", ":2: empty line"},
            {"blank.txt", "good text\n   \n", "", ":2: empty line"},
            {"notab.tsv", "a\tb\nno tab here\n", "--pairs", ":2: no tab"},
            {"twotabs.tsv", "a\tb\tc\n", "--pairs", ":1: more than one tab"},
            {"halfpair.tsv", "a\tb\nx\t \n", "--pairs", ":2: second sentence of the pair is empty"},
            {"nothing.txt", "", "", ": no lines to encode"},
        };
        for (String[] c : cases) {
            Path in = write(tmp, c[0], c[1]);
            List<String> args =
                    new ArrayList<>(
                            List.of(
                                    "encode",
                                    "--backbone",
                                    miniLm.toString(),
                                    "--input",
                                    in.toString(),
                                    "--output",
                                    out.toString()));
            if (!c[2].isEmpty()) args.add(c[2]);
            Run r = run(args.toArray(String[]::new));
            assertEquals(2, r.exit(), c[0]);
            assertTrue(r.err().startsWith("encode: " + in + c[3]), c[0] + ": " + r.err());
            assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
            assertEquals("previous\n", Files.readString(out), "output must be untouched");
        }
        Files.write(
                tmp.resolve("latin1.txt"),
                new byte[] {'o', 'k', '\n', 'c', 'a', 'f', (byte) 0xE9, '\n'});
        Run bad =
                run(
                        "encode",
                        "--backbone",
                        miniLm.toString(),
                        "--input",
                        tmp.resolve("latin1.txt").toString(),
                        "--output",
                        out.toString());
        assertEquals(2, bad.exit());
        assertEquals(
                "encode: " + tmp.resolve("latin1.txt") + ":2: not valid UTF-8", bad.err().strip());

        Run missing =
                run(
                        "encode",
                        "--backbone",
                        miniLm.toString(),
                        "--input",
                        tmp.resolve("nope.txt").toString(),
                        "--output",
                        out.toString());
        assertEquals(2, missing.exit());
        assertEquals(
                "encode: " + tmp.resolve("nope.txt") + ": input file not found",
                missing.err().strip());
        assertEquals("previous\n", Files.readString(out));

        Path ok = write(tmp, "ok.txt", "fine\n");
        Run tooLong =
                run(
                        "encode",
                        "--backbone",
                        miniLm.toString(),
                        "--input",
                        ok.toString(),
                        "--output",
                        out.toString(),
                        "--max-length",
                        "100000");
        assertEquals(2, tooLong.exit());
        assertEquals(1, tooLong.err().strip().lines().count(), tooLong.err());
        assertTrue(tooLong.err().startsWith("encode: --max-length 100000 exceeds"), tooLong.err());
        assertEquals("previous\n", Files.readString(out));
        List<String> files = new ArrayList<>(List.of("out.jsonl", "latin1.txt", "ok.txt"));
        for (String[] c : cases) files.add(c[0]);
        assertNoLeftovers(tmp, files.toArray(String[]::new));
    }

    @Test
    void brokenBackboneFailsNamingTheFile(@TempDir Path tmp) throws Exception {
        Path in = write(tmp, "t.txt", "hello\n");
        Path out = tmp.resolve("o.jsonl");
        // a Hugging Face folder whose weights are cut short
        Path hf = tmp.resolve("broken");
        HfFolderWriter.write(BackboneLoader.load(miniLm), hf);
        Files.copy(miniLm.resolve("tokenizer.json"), hf.resolve("tokenizer.json"));
        Path w = hf.resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(w);
        Files.write(w, Arrays.copyOf(bytes, bytes.length / 2));
        Run r =
                run(
                        "encode",
                        "--backbone",
                        hf.toString(),
                        "--input",
                        in.toString(),
                        "--output",
                        out.toString());
        assertEquals(2, r.exit());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("encode: " + w), r.err());
        assertFalse(Files.exists(out));

        Path empty = Files.createDirectory(tmp.resolve("empty"));
        Run none =
                run(
                        "encode",
                        "--backbone",
                        empty.toString(),
                        "--input",
                        in.toString(),
                        "--output",
                        out.toString());
        assertEquals(2, none.exit());
        assertTrue(none.err().startsWith("encode: " + empty + ": no backbone found"), none.err());
        assertNoLeftovers(tmp, "t.txt", "broken", "empty");
    }
}
