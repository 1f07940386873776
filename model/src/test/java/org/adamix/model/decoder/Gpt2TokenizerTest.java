package org.adamix.model.decoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.adamix.datasets.tokenize.Tokenizer;
import org.adamix.datasets.tokenize.Tokenizers;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Text → GPT-2's real tokenizer → the decoder → text, when data/gpt2 holds the tokenizer (the
 * datasets build fetches it): a random model with GPT-2's vocabulary takes the ids, and prompt and
 * continuation decode back.
 */
class Gpt2TokenizerTest {

    @Test
    void textRoundTripsThroughTokenizerAndDecoder() throws IOException {
        Path root = Gpt2Fixtures.repoRoot();
        Path dir = root == null ? null : root.resolve("data/gpt2");
        assumeTrue(
                dir != null && Files.exists(dir.resolve("vocab.json")),
                "no GPT-2 tokenizer in data/gpt2");
        Tokenizer tokenizer = Tokenizers.load(dir);
        int eos = tokenizer.specialTokens().eos();
        assertEquals(50257, tokenizer.vocabSize());
        assertEquals(50256, eos);

        String prompt =
                "name[The Eagle], eatType[coffee shop], food[French], priceRange[moderate] || ";
        int[] ids = tokenizer.encode(prompt).ids();
        assertEquals(prompt, tokenizer.decode(ids));

        // GPT-2 small's vocabulary and positions, a narrow random network
        Gpt2Config config = Gpt2Config.of(tokenizer.vocabSize(), 1024, 16, 2, 2, 1e-5);
        Gpt2Decoder gpt2 = new Gpt2Decoder(Gpt2Fixtures.randomBackbone(config, 7), DataType.FLOAT);
        int[] generated = gpt2.generate(new int[][] {ids}, 8, eos)[0];
        assertTrue(generated.length >= 1 && generated.length <= 8, Arrays.toString(generated));
        int[] all = IntStream.concat(Arrays.stream(ids), Arrays.stream(generated)).toArray();
        String text = tokenizer.decode(all);
        assertTrue(text.startsWith(prompt), text);
        System.out.println(
                "GPT-2 tokenizer round trip: "
                        + ids.length
                        + " prompt tokens, continuation "
                        + Arrays.toString(generated));
    }
}
