package org.adamix.datasets.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A BERT vocab.txt (MiniLM's vocabulary written out) must tokenize exactly as MiniLM's
 * tokenizer.json does.
 */
class TokenizerVocabTxtTest {

    @Test
    void vocabTxtMatchesTheReferenceOnTokenizerJson(@TempDir Path dir) throws Exception {
        Path json = TokenizerTestData.miniLmTokenizerJson();
        Path vocabTxt = writeVocabTxt(json, dir);
        Tokenizer fromVocab = Tokenizers.load(dir);
        assertEquals(30522, fromVocab.vocabSize());
        assertEquals(new SpecialTokens(101, 102, 0, 100, 103, 101, 102), fromVocab.specialTokens());
        assertEquals(fromVocab.vocabSize(), Tokenizers.load(vocabTxt).vocabSize());

        List<String> texts = new ArrayList<>(TokenizerTestData.imdbReviews(600));
        texts.add("Hello [MASK] world[SEP]x [CLS]");
        texts.add("Ünïcödé ÀÉÎÕÜ 中文字 ΣΑΣ İ");
        EncodeOptions fixed = EncodeOptions.fixedLength(64);
        try (ReferenceTokenizer ref = new ReferenceTokenizer(json, EncodeOptions.DEFAULT);
                ReferenceTokenizer refFixed = new ReferenceTokenizer(json, fixed)) {
            for (int i = 0; i < texts.size(); i++) {
                String a = texts.get(i);
                String b = texts.get((i + 1) % texts.size());
                assertEquals(
                        ref.encode(a, null), fromVocab.encode(a, null, EncodeOptions.DEFAULT), a);
                assertEquals(refFixed.encode(a, b), fromVocab.encode(a, b, fixed), a);
            }
        }
    }

    @Test
    void casedVocabularyFollowsTokenizerConfig(@TempDir Path dir) throws Exception {
        Files.write(
                dir.resolve("vocab.txt"),
                List.of(
                        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "Hello", "hello", "##s", "é",
                        "e"),
                StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"do_lower_case\": false}");
        Tokenizer cased = Tokenizers.load(dir);
        // Cased: no lowercasing and no accent stripping (strip_accents follows lowercase).
        assertArrayEquals(new int[] {2, 5, 6, 7, 8, 1, 3}, cased.encode("Hello hellos é E").ids());
        Files.delete(dir.resolve("tokenizer_config.json"));
        Tokenizer uncased = Tokenizers.load(dir);
        assertArrayEquals(
                new int[] {2, 6, 6, 7, 9, 9, 3}, uncased.encode("Hello hellos é E").ids());
    }

    private static Path writeVocabTxt(Path tokenizerJson, Path dir) throws Exception {
        JsonNode vocab =
                new ObjectMapper().readTree(tokenizerJson.toFile()).path("model").path("vocab");
        String[] byId = new String[vocab.size()];
        Iterator<Map.Entry<String, JsonNode>> it = vocab.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            byId[e.getValue().asInt()] = e.getKey();
        }
        Path vocabTxt = dir.resolve("vocab.txt");
        Files.write(vocabTxt, List.of(byId), StandardCharsets.UTF_8);
        return vocabTxt;
    }
}
