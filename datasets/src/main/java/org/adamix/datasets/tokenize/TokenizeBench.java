package org.adamix.datasets.tokenize;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Tokens per second of one thread encoding IMDB reviews.
 *
 * <pre>
 * java -cp ... org.adamix.datasets.tokenize.TokenizeBench [TOKENIZER_DIR_OR_FILE] [REVIEWS_JSON] [ROUNDS]
 * </pre>
 *
 * Defaults: data/minilm, data/imdb/reviews.json (a JSON array of {"t": text, "s": label}), 3
 * rounds. The first round runs with a cold word cache and JIT; later rounds show the steady state
 * of a training epoch.
 */
public final class TokenizeBench {
    private TokenizeBench() {}

    public static void main(String[] args) throws IOException {
        Path tokenizerPath = Path.of(args.length > 0 ? args[0] : "data/minilm");
        Path reviewsPath = Path.of(args.length > 1 ? args[1] : "data/imdb/reviews.json");
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;

        List<String> texts = readReviews(reviewsPath, Integer.MAX_VALUE);
        long chars = texts.stream().mapToLong(String::length).sum();
        System.out.printf("%d reviews, %.1f MB of text%n", texts.size(), chars / 1e6);

        for (int round = 1; round <= rounds; round++) {
            // A fresh tokenizer each round: its word cache starts empty, as on a new executor.
            Tokenizer tokenizer = Tokenizers.load(tokenizerPath);
            EncodeOptions full = EncodeOptions.DEFAULT;
            EncodeOptions fixed = EncodeOptions.fixedLength(128);
            long start = System.nanoTime();
            long tokens = 0;
            for (String text : texts) {
                tokens += tokenizer.encode(text, null, full).length();
            }
            double fullSeconds = (System.nanoTime() - start) / 1e9;
            start = System.nanoTime();
            long checksum = 0;
            for (String text : texts) {
                checksum += tokenizer.encode(text, null, fixed).ids()[1];
            }
            double fixedSeconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(
                    "round %d: %,d tokens in %.2f s = %,.0f tokens/s (%,.0f reviews/s); "
                            + "truncated+padded to 128: %,.0f reviews/s (checksum %d)%n",
                    round,
                    tokens,
                    fullSeconds,
                    tokens / fullSeconds,
                    texts.size() / fullSeconds,
                    texts.size() / fixedSeconds,
                    checksum);
        }
    }

    /**
     * The first {@code limit} review texts of a reviews.json, in file order, streamed so that the
     * 66 MB file is not held as a tree. Lenient (other fields skipped): PrepareImdb is the strict
     * reader of this file.
     */
    static List<String> readReviews(Path path, int limit) throws IOException {
        List<String> texts = new ArrayList<>();
        try (JsonParser p = new ObjectMapper().getFactory().createParser(path.toFile())) {
            if (p.nextToken() != JsonToken.START_ARRAY) {
                throw new IOException(path + ": expected a JSON array of reviews");
            }
            while (p.nextToken() == JsonToken.START_OBJECT && texts.size() < limit) {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.getCurrentName();
                    p.nextToken();
                    if (field.equals("t")) {
                        texts.add(p.getText());
                    } else {
                        p.skipChildren();
                    }
                }
            }
        }
        return texts;
    }
}
