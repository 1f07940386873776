package org.adamix.datasets.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.adamix.datasets.generation.E2eTestData;
import org.adamix.datasets.generation.GenerationExample;
import org.adamix.datasets.generation.GenerationReader;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GPT-2's real tokenizer (vocab.json + merges.txt from bin/fetch-gpt2-tokenizer, and the same
 * vocabulary as a tokenizer.json) against jtokkit's r50k_base, a Java port of OpenAI's tiktoken
 * whose ranks are GPT-2's: the ids must be identical, and decoding them must give the input back
 * exactly. The reference shares GPT-2's split pattern and java.util.regex with us, but not the BPE:
 * tiktoken merges by token rank, we by merges.txt rule.
 */
class Gpt2TokenizerConformanceTest {
    /**
     * What byte-level BPE trips over: contractions, white space runs, non-ASCII, digits,
     * punctuation runs.
     */
    static final List<String> TRICKY =
            List.of(
                    "",
                    " ",
                    "  ",
                    "\n",
                    "\t",
                    "a",
                    " a",
                    "a ",
                    "  two leading spaces",
                    "trailing spaces   ",
                    "It's Alimentum's, isn't it? They're here, we've been, I'm sure, you'll see, he'd go.",
                    "IT'S ISN'T THEY'RE WE'VE I'M YOU'LL HE'D",
                    "'s 't 're 've 'm 'll 'd ' '' '''",
                    "rock'n'roll o'clock",
                    "multiple     spaces   between    words",
                    "line one\nline two\n\nline four\r\nwindows",
                    "tab\tseparated\t\tcells",
                    " \t \n mixed white space \n\t ",
                    "café naïve Ångström façade crème brûlée jalapeño",
                    "Œuvre ŒŒ œ ß ẞ İstanbul",
                    "emoji 😀 👍🏽 👨‍👩‍👧 ❤️ 🍕🍣🍺",
                    "CJK 中文字 日本語のテキスト 한국어 문장",
                    "Ελληνικά Русский עברית العربية हिन्दी",
                    "digits 0 1 12 123 1234 12345 3.14159 1,000,000 £20-25 £30+ 5/5 2nd 10am",
                    "x2 2x 007 1e10 0x1F",
                    "punctuation!!! ??? ... --- ;;; ::: ((())) [[]] {{}} <<>> @@## $$%% ^^&& **__ ++== ~~``",
                    "mr[name[The Eagle], eatType[coffee shop]]",
                    "quotes \"double\" 'single' “curly” ‘curly’ «guillemets»",
                    "dashes - – — and ellipsis …",
                    "http://example.com/path?q=1&r=2#frag",
                    "e-mail: someone@example.org",
                    "\u00A0nbsp\u00A0and\u3000ideographic\u2003em space",
                    "zero\u200Bwidth\u200Djoiner",
                    "combining e\u0301 é",
                    "control \u0000 \u0001 \u007F chars",
                    "   ",
                    "\n\n\n",
                    "x" + "y".repeat(300),
                    "Aa".repeat(200));

    private static Tokenizer gpt2;
    private static com.knuddels.jtokkit.api.Encoding r50k;

    @BeforeAll
    static void load() throws IOException {
        gpt2 = Tokenizers.load(gpt2Dir());
        r50k = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
    }

    /** GPT-2's files: -Dadamix.gpt2.dir, or data/gpt2 (the build fetches them there). */
    static Path gpt2Dir() {
        Path dir =
                Path.of(
                        System.getProperty(
                                "adamix.gpt2.dir",
                                E2eTestData.repoRoot().resolve("data/gpt2").toString()));
        if (!Files.isRegularFile(dir.resolve("vocab.json"))
                || !Files.isRegularFile(dir.resolve("merges.txt"))) {
            fail(
                    "GPT-2 tokenizer not found in "
                            + dir
                            + ": run bin/fetch-gpt2-tokenizer first"
                            + " (or set -Dadamix.gpt2.dir=DIR)");
        }
        return dir;
    }

    @Test
    void loadsGpt2sVocabularyWithEndOfTextAsItsOnlySpecialToken() {
        assertEquals(50257, gpt2.vocabSize());
        int eot = gpt2.tokenToId("<|endoftext|>");
        assertEquals(gpt2.vocabSize() - 1, eot);
        assertEquals(eot, gpt2.specialTokens().eos());
        // GPT-2 adds no special tokens around a text.
        assertArrayEquals(
                r50k.encodeOrdinary("Hello world").toArray(), gpt2.encode("Hello world").ids());
    }

    @Test
    void e2eLikeSentencesGiveTiktokensIds() throws IOException {
        List<String> lines = fixtureLines();
        assertTrue(lines.size() >= 40, "fixture too small: " + lines.size());
        int tokens = compareAll(gpt2, lines, "e2e-like fixture");
        System.out.println(
                "GPT-2 ids identical to r50k_base on "
                        + lines.size()
                        + " E2E-like lines ("
                        + tokens
                        + " tokens) and decoded back exactly");
    }

    @Test
    void trickyStringsGiveTiktokensIds() {
        int tokens = compareAll(gpt2, TRICKY, "tricky strings");
        System.out.println(
                "GPT-2 ids identical to r50k_base on "
                        + TRICKY.size()
                        + " tricky strings ("
                        + tokens
                        + " tokens) and decoded back exactly");
    }

    @Test
    void endOfTextInTheTextIsOneToken() {
        int eot = gpt2.tokenToId("<|endoftext|>");
        String text = "The Eagle is a pub.<|endoftext|>Zizzi is a café.";
        int[] expected =
                IntStream.concat(
                                IntStream.concat(
                                        IntStream.of(
                                                r50k.encodeOrdinary("The Eagle is a pub.")
                                                        .toArray()),
                                        IntStream.of(eot)),
                                IntStream.of(r50k.encodeOrdinary("Zizzi is a café.").toArray()))
                        .toArray();
        int[] ids = gpt2.encode(text).ids();
        assertArrayEquals(expected, ids);
        assertEquals(text, gpt2.decode(ids));
    }

    /**
     * HF's GPT-2 tokenizer.json layout (ByteLevel pre-tokenizer and decoder, BPE with "" prefix and
     * suffix): ours from it gives tiktoken's ids, and so does the Hugging Face (Rust) tokenizer on
     * it, whose regex engine is not Java's; the Rust ByteLevel decoder gives the same text as ours.
     */
    @Test
    void tokenizerJsonOfTheSameVocabularyGivesTheSameIds(@TempDir Path tmp) throws Exception {
        Path json = writeGpt2TokenizerJson(gpt2Dir(), tmp.resolve("tokenizer.json"));
        Tokenizer fromJson = Tokenizers.load(tmp);
        assertEquals(gpt2.vocabSize(), fromJson.vocabSize());
        List<String> texts = new ArrayList<>(fixtureLines());
        texts.addAll(TRICKY);
        compareAll(fromJson, texts, "tokenizer.json " + json);
        texts.add("a<|endoftext|>b <|endoftext|> c");
        EncodeOptions plain = EncodeOptions.DEFAULT.withSpecialTokens(false);
        try (ReferenceTokenizer hf = new ReferenceTokenizer(json, plain)) {
            for (String text : texts) {
                Encoding expected = hf.encode(text, null);
                assertEquals(expected, fromJson.encode(text, null, plain), text);
                assertEquals(expected, gpt2.encode(text, null, plain), text);
                assertEquals(hf.decode(expected.ids()), gpt2.decode(expected.ids()), text);
            }
        }
        System.out.println(
                "GPT-2 ids identical to Hugging Face tokenizers (Rust) on "
                        + texts.size()
                        + " texts (fixture + tricky strings), decoded alike");
    }

    @Test
    void decodeRejectsUnknownIdsAndWordPieceTokenizers() {
        assertThrows(
                IllegalArgumentException.class, () -> gpt2.decode(new int[] {gpt2.vocabSize()}));
        Tokenizer miniLm;
        try {
            miniLm = Tokenizers.load(TokenizerTestData.miniLmTokenizerJson());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        assertThrows(UnsupportedOperationException.class, () -> miniLm.decode(new int[] {101}));
    }

    /** Every MR and reference of the real E2E dev and test sets (../shared), when it is there. */
    @Test
    void realE2eTextsGiveTiktokensIds() {
        Path dir = E2eTestData.dirOrSkip();
        int texts = 0;
        long tokens = 0;
        for (String file : List.of(E2eTestData.DEV, E2eTestData.TEST)) {
            List<GenerationExample> rows =
                    GenerationReader.readAll(
                            GenerationReader.e2eCsv(),
                            new Configuration(),
                            dir.resolve(file).toString());
            List<String> strings = new ArrayList<>();
            for (GenerationExample e : rows) {
                strings.add(e.source());
                strings.add(e.target());
            }
            tokens += compareAll(gpt2, strings, file);
            texts += strings.size();
        }
        System.out.println(
                "GPT-2 ids identical to r50k_base on "
                        + texts
                        + " real E2E texts (MR and reference of "
                        + texts / 2
                        + " rows, "
                        + tokens
                        + " tokens) and decoded back exactly");
    }

    /**
     * Asserts identical ids and exact decoding for every text; returns the number of tokens
     * compared.
     */
    private static int compareAll(Tokenizer tokenizer, List<String> texts, String what) {
        EncodeOptions plain = EncodeOptions.DEFAULT.withSpecialTokens(false);
        int tokens = 0;
        for (int i = 0; i < texts.size(); i++) {
            String text = texts.get(i);
            IntArrayList expected = r50k.encodeOrdinary(text);
            int[] ids = tokenizer.encode(text, null, plain).ids();
            assertArrayEquals(expected.toArray(), ids, what + " #" + i + ": " + text);
            assertEquals(text, tokenizer.decode(ids), what + " #" + i + " decoded");
            assertEquals(
                    text, r50k.decode(expected), what + " #" + i + " decoded by the reference");
            tokens += ids.length;
        }
        return tokens;
    }

    private static List<String> fixtureLines() throws IOException {
        try (InputStream in =
                Gpt2TokenizerConformanceTest.class.getResourceAsStream(
                        "/gpt2/e2e-like-sentences.txt")) {
            if (in == null) {
                throw new IOException("test resource gpt2/e2e-like-sentences.txt is missing");
            }
            // Lines as written: leading and trailing white space is part of what is tested.
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
    }

    private static Path writeGpt2TokenizerJson(Path gpt2, Path out) throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        added.addObject()
                .put("id", 50256)
                .put("content", "<|endoftext|>")
                .put("single_word", false)
                .put("lstrip", false)
                .put("rstrip", false)
                .put("normalized", true)
                .put("special", true);
        root.putNull("normalizer");
        root.putObject("pre_tokenizer")
                .put("type", "ByteLevel")
                .put("add_prefix_space", false)
                .put("trim_offsets", true)
                .put("use_regex", true);
        root.putObject("post_processor")
                .put("type", "ByteLevel")
                .put("add_prefix_space", true)
                .put("trim_offsets", false)
                .put("use_regex", true);
        root.putObject("decoder")
                .put("type", "ByteLevel")
                .put("add_prefix_space", true)
                .put("trim_offsets", true)
                .put("use_regex", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE").putNull("dropout");
        model.putNull("unk_token");
        model.put("continuing_subword_prefix", "")
                .put("end_of_word_suffix", "")
                .put("fuse_unk", false)
                .put("byte_fallback", false);
        model.set("vocab", mapper.readTree(gpt2.resolve("vocab.json").toFile()));
        ArrayNode merges = model.putArray("merges");
        for (String line : Files.readAllLines(gpt2.resolve("merges.txt"), StandardCharsets.UTF_8)) {
            if (!line.isEmpty() && !line.startsWith("#version")) {
                merges.add(line);
            }
        }
        mapper.writeValue(out.toFile(), root);
        return out;
    }
}
