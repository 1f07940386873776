package org.adamix.datasets.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each stage on small inputs with expected values worked out by hand. */
class TokenizerUnitTest {

    @Test
    void bertNormalizerCleansSpacesCjkStripsAccentsAndLowercases() {
        BertNormalizer n = new BertNormalizer(true, true, null, true);
        assertEquals("hello world  x", n.normalize("Hello\tWorld\r\n\u0000\u0007x"));
        assertEquals("a b", n.normalize("a\u00A0b"));
        assertEquals("ab", n.normalize("a\u200Bb")); // zero-width space is Cf: removed
        assertEquals(
                "ab",
                n.normalize("a\u0085b")); // NEL is a control character before it is whitespace
        assertEquals("x 中  文 y", n.normalize("x中文y"));
        assertEquals("cafe naive angstrom", n.normalize("Café naïve Ångström"));
        assertEquals("οδοσ", n.normalize("ΟΔΟΣ")); // per character: no final sigma
        assertEquals("istanbul", n.normalize("İstanbul")); // İ = I + dot above; the dot is stripped
        BertNormalizer cased = new BertNormalizer(true, true, null, false);
        assertEquals("Café", cased.normalize("Café"));
        BertNormalizer lowerOnly = new BertNormalizer(true, true, false, true);
        assertEquals("i\u0307stanbul café", lowerOnly.normalize("İstanbul Café"));
    }

    @Test
    void bertPreTokenizerSplitsOnWhitespaceAndIsolatesPunctuation() {
        List<String> words = new ArrayList<>();
        new BertPreTokenizer().split("don't  stop,now! a$b ^_^ «x» 1.5", words);
        assertEquals(
                List.of(
                        "don", "'", "t", "stop", ",", "now", "!", "a", "$", "b", "^", "_", "^", "«",
                        "x", "»", "1", ".", "5"),
                words);
    }

    @Test
    void wordPieceTakesLongestPrefixesAndFallsBackToUnknown() {
        Vocab v = vocab("[UNK]", "un", "##aff", "##able", "##a", "a", "##ff");
        WordPieceModel wp = new WordPieceModel(v, "[UNK]", "##", 9);
        assertArrayEquals(new int[] {1, 2, 3}, wp.tokenize("unaffable"));
        assertArrayEquals(new int[] {5, 4, 4}, wp.tokenize("aaa"));
        assertArrayEquals(
                new int[] {0}, wp.tokenize("unx")); // "##x" missing: the whole word is unknown
        assertArrayEquals(new int[] {0}, wp.tokenize("aaaaaaaaaa")); // 10 > 9 characters
        assertArrayEquals(new int[] {5, 4, 4, 4, 4, 4, 4, 4}, wp.tokenize("aaaaaaaa"));
    }

    @Test
    void byteLevelAlphabetMatchesGpt2() {
        assertEquals("Ġhello", ByteLevelAlphabet.encode(" hello"));
        assertEquals("Ċ", ByteLevelAlphabet.encode("\n"));
        assertEquals("Ã©", ByteLevelAlphabet.encode("é")); // C3 A9
        assertEquals('Ń', ByteLevelAlphabet.charOf(0xAD));
        List<String> words = new ArrayList<>();
        new ByteLevelPreTokenizer(false, true).split("I'm  fine, 42x!!\n", words);
        assertEquals(List.of("I", "'m", "Ġ", "Ġfine", ",", "Ġ42", "x", "!!", "Ċ"), words);
        words.clear();
        new ByteLevelPreTokenizer(true, true).split("hi", words);
        assertEquals(List.of("Ġhi"), words);
    }

    @Test
    void truncationFollowsTheReferenceRules() {
        assertEquals(List.of(4, 4), truncate(5, 10, 8, TruncationStrategy.LONGEST_FIRST));
        assertEquals(List.of(2, 6), truncate(2, 10, 8, TruncationStrategy.LONGEST_FIRST));
        assertEquals(List.of(3, 4), truncate(10, 10, 7, TruncationStrategy.LONGEST_FIRST));
        assertEquals(List.of(4, 3), truncate(10, 9, 7, TruncationStrategy.LONGEST_FIRST));
        assertEquals(
                List.of(3, 5),
                truncate(3, 5, 8, TruncationStrategy.LONGEST_FIRST)); // fits: unchanged
        assertEquals(List.of(1, 5), truncate(6, 5, 6, TruncationStrategy.ONLY_FIRST));
        assertEquals(List.of(6, 2), truncate(6, 5, 8, TruncationStrategy.ONLY_SECOND));
        assertThrows(
                IllegalArgumentException.class,
                () -> truncate(2, 10, 5, TruncationStrategy.ONLY_FIRST));
        assertThrows(
                IllegalArgumentException.class,
                () -> truncate(10, -1, 5, TruncationStrategy.ONLY_SECOND));
        assertEquals(List.of(5), truncate(10, -1, 5, TruncationStrategy.ONLY_FIRST));
    }

    @Test
    void encodeLaysOutSpecialTokensTypeIdsMaskAndPadding(@TempDir Path dir) throws Exception {
        Path vocab = dir.resolve("vocab.txt");
        Files.write(
                vocab,
                List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b", "c", "##b"),
                StandardCharsets.UTF_8);
        Tokenizer t = Tokenizers.load(vocab);
        Encoding single = t.encode("A ab", null, EncodeOptions.DEFAULT.withPadToLength(8));
        assertArrayEquals(new int[] {2, 5, 5, 8, 3, 0, 0, 0}, single.ids());
        assertArrayEquals(new int[] {0, 0, 0, 0, 0, 0, 0, 0}, single.typeIds());
        assertArrayEquals(new int[] {1, 1, 1, 1, 1, 0, 0, 0}, single.attentionMask());
        assertEquals(5, single.length());
        Encoding pair = t.encode("a a a", "b c", EncodeOptions.fixedLength(6));
        assertArrayEquals(
                new int[] {2, 5, 5, 3, 6, 3}, pair.ids()); // budget 3: first keeps 2, second 1
        assertArrayEquals(new int[] {0, 0, 0, 0, 1, 1}, pair.typeIds());
        Encoding bare = t.encode("a [MASK] d", "c", EncodeOptions.DEFAULT.withSpecialTokens(false));
        assertArrayEquals(new int[] {5, 4, 1, 7}, bare.ids());
        assertArrayEquals(new int[] {0, 0, 0, 1}, bare.typeIds());
        assertEquals(List.of("a", "[MASK]", "[UNK]"), t.tokenize("a[MASK]d"));
        assertEquals(9, t.vocabSize());
        assertEquals("##b", t.idToToken(8));
        assertEquals(-1, t.tokenToId("zzz"));
    }

    @Test
    void miniLmTokenizerJsonBringsItsTruncationAndPadding() throws Exception {
        Tokenizer t = Tokenizers.load(TokenizerTestData.miniLmTokenizerJson());
        assertEquals(EncodeOptions.fixedLength(128), t.options());
        Encoding e = t.encode("hello world");
        assertEquals(128, e.size());
        assertArrayEquals(new int[] {101, 7592, 2088, 102, 0}, java.util.Arrays.copyOf(e.ids(), 5));
        assertEquals(4, e.length());
        assertEquals(30522, t.vocabSize());
        assertEquals(new SpecialTokens(101, 102, 0, 100, 103, 101, 102), t.specialTokens());
        assertEquals(4, t.withOptions(EncodeOptions.DEFAULT).encode("hello world").size());
    }

    @Test
    void addedTokensHonourStripAndSingleWord() {
        List<String> pieces = new ArrayList<>();
        AddedTokenSplitter s =
                new AddedTokenSplitter(
                        List.of(
                                new AddedToken("<mask>", 9, true, false, true, false, false),
                                new AddedToken("<m>", 8, true, false, false, true, false),
                                new AddedToken("tok", 7, false, true, false, false, false)));
        s.split("a  <mask> b<m>  c tok xtok", pieces::add, id -> pieces.add("#" + id));
        assertEquals(List.of("a", "#9", " b", "#8", "c ", "#7", " xtok"), pieces);
    }

    @Test
    void unsupportedSettingsAreNamed(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("tokenizer.json");
        Files.writeString(json, "{\"model\": {\"type\": \"Unigram\", \"vocab\": []}}");
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Tokenizers.load(json));
        assertTrue(e.getMessage().contains("Unigram"), e.getMessage());
    }

    @Test
    void concurrentEncodingGivesTheSameIds() throws Exception {
        Tokenizer t = Tokenizers.load(TokenizerTestData.miniLmTokenizerJson());
        List<String> texts = TokenizerTestData.imdbReviews(200);
        List<Encoding> sequential = texts.stream().map(t::encode).toList();
        List<Encoding> parallel =
                IntStream.range(0, texts.size())
                        .parallel()
                        .mapToObj(i -> t.encode(texts.get(i)))
                        .toList();
        assertEquals(sequential, parallel);
    }

    private static List<Integer> truncate(int n1, int n2, int budget, TruncationStrategy strategy) {
        IntList a = filled(n1);
        IntList b = n2 < 0 ? null : filled(n2);
        Truncation.apply(a, b, budget, strategy);
        return b == null ? List.of(a.size()) : List.of(a.size(), b.size());
    }

    private static IntList filled(int n) {
        IntList l = new IntList(n);
        for (int i = 0; i < n; i++) {
            l.add(i);
        }
        return l;
    }

    private static Vocab vocab(String... tokens) {
        java.util.Map<String, Integer> ids = new java.util.HashMap<>();
        for (int i = 0; i < tokens.length; i++) {
            ids.put(tokens[i], i);
        }
        return new Vocab(ids);
    }
}
