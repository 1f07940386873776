package org.adamix.datasets.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Byte-level BPE (RoBERTa / GPT-2 style) on a BPE trained here: our vocab.json + merges.txt loader
 * and our tokenizer.json loader must both give the reference's ids on IMDB reviews and tricky
 * texts.
 */
class TokenizerByteLevelBpeTest {
    private static final List<String> TRICKY =
            List.of(
                    "",
                    " ",
                    "  leading spaces",
                    "trailing spaces  ",
                    "don't I'll we've they're she'd it's I'm DON'T",
                    "tabs\tand\nnewlines\r\n\n  indented",
                    "numbers 12345 3.14 1,000,000 x2 2x",
                    "emoji 😀👍🏽👨‍👩‍👧 ❤️ and 🤣",
                    "accents: café naïve Ångström",
                    "CJK 中文字 日本語 한국어",
                    "<br /><br />HTML &amp; tags",
                    "a <mask> token and<mask>x and <mask>",
                    "<s>literal</s> specials <pad>",
                    "punctuation!!! ??? ... ---",
                    "mixed\u00A0nbsp\u3000ideographic space",
                    "combining e\u0301 and precomposed é",
                    "zero\u200Bwidth",
                    "http://example.com/path?q=1&r=2",
                    "ΣΑΣ σας İstanbul",
                    "'s 's 'S '",
                    "   ",
                    "\n\n\n",
                    "x" + "y".repeat(300));

    private static List<String> reviews;
    private static TinyBpeTrainer bpe;

    @BeforeAll
    static void train() throws Exception {
        reviews = TokenizerTestData.imdbReviews(1300);
        bpe = new TinyBpeTrainer(reviews.subList(1000, 1300), 600);
        assertEquals(600, bpe.merges.size());
    }

    @Test
    void vocabJsonAndMergesTxtMatchTheReference(@TempDir Path dir) throws Exception {
        bpe.writeVocabAndMerges(dir);
        Path json = bpe.writeTokenizerJson(dir.resolve("reference.json"), false, false);
        Tokenizer fromFiles = Tokenizers.load(dir.resolve("vocab.json"));
        Tokenizer fromJson = Tokenizers.fromJson(json);
        assertEquals(bpe.vocab.size(), fromFiles.vocabSize());
        SpecialTokens st = fromFiles.specialTokens();
        assertEquals(List.of(0, 2, 1, 3), List.of(st.bos(), st.eos(), st.pad(), st.unk()));
        compare(json, fromFiles, EncodeOptions.DEFAULT);
        compare(json, fromJson, EncodeOptions.DEFAULT);
        compare(json, fromFiles, EncodeOptions.fixedLength(100));
        compare(
                json,
                fromJson,
                EncodeOptions.DEFAULT
                        .withMaxLength(150)
                        .withTruncation(TruncationStrategy.ONLY_SECOND));
    }

    @Test
    void addPrefixSpaceAndNewMergeFormat(@TempDir Path dir) throws Exception {
        Path json = bpe.writeTokenizerJson(dir.resolve("tokenizer.json"), true, true);
        compare(json, Tokenizers.load(dir), EncodeOptions.DEFAULT);
        // The same setting read by the vocab.json loader from tokenizer_config.json.
        Path files = Files.createDirectory(dir.resolve("files"));
        bpe.writeVocabAndMerges(files);
        Files.writeString(files.resolve("tokenizer_config.json"), "{\"add_prefix_space\": true}");
        compare(json, Tokenizers.load(files), EncodeOptions.DEFAULT);
    }

    @Test
    void gpt2StyleWithoutSpecialTokens(@TempDir Path dir) throws Exception {
        // No <s>/</s>: no special tokens are added and the second sequence gets type id 1.
        Files.writeString(
                dir.resolve("vocab.json"),
                "{\"a\": 0, \"b\": 1, \"Ġ\": 2, \"ab\": 3, \"Ġab\": 4, " + "\"<|endoftext|>\": 5}");
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\na b\nĠ ab\n");
        Tokenizer t = Tokenizers.load(dir);
        Encoding e = t.encode("ab ab<|endoftext|>", "ba");
        assertArrayEquals(new int[] {3, 4, 5, 1, 0}, e.ids());
        assertArrayEquals(new int[] {0, 0, 0, 1, 1}, e.typeIds());
        assertEquals(5, t.specialTokens().eos());
    }

    @Test
    void mergesApplyByRankNotByPosition(@TempDir Path dir) throws Exception {
        // "abc": rule 0 is "b c", so "a b" (rank 1) can no longer apply; then "a bc" (rank 2).
        Files.writeString(
                dir.resolve("vocab.json"),
                "{\"a\": 0, \"b\": 1, \"c\": 2, \"bc\": 3, \"ab\": 4, \"abc\": 5, \"aa\": 6}");
        Files.writeString(dir.resolve("merges.txt"), "b c\na b\na bc\na a\n");
        Tokenizer t = Tokenizers.load(dir.resolve("merges.txt"));
        assertEquals(List.of("abc"), t.tokenize("abc"));
        assertEquals(List.of("ab", "a"), t.tokenize("aba"));
        // Equal ranks: leftmost first.
        assertEquals(List.of("aa", "a"), t.tokenize("aaa"));
        assertEquals(List.of("aa", "aa"), t.tokenize("aaaa"));
    }

    private static void compare(Path referenceJson, Tokenizer ours, EncodeOptions options)
            throws Exception {
        List<String> texts = new ArrayList<>(reviews.subList(0, 1000));
        texts.addAll(TRICKY);
        try (ReferenceTokenizer ref = new ReferenceTokenizer(referenceJson, options)) {
            for (int i = 0; i < texts.size(); i++) {
                String a = texts.get(i);
                String b = i % 3 == 0 ? texts.get((i * 7 + 3) % texts.size()) : null;
                Encoding expected = ref.encode(a, b);
                if (expected == null) {
                    // E.g. only_second truncation of a single long text.
                    assertThrows(
                            IllegalArgumentException.class, () -> ours.encode(a, b, options), a);
                } else {
                    assertEquals(expected, ours.encode(a, b, options), a + " / " + b);
                }
            }
        }
    }
}
