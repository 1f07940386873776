package org.adamix.datasets.tokenize;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Where the tests find MiniLM's tokenizer.json and the raw IMDB reviews; fails naming the script
 * that fetches them.
 */
final class TokenizerTestData {
    private TokenizerTestData() {}

    /**
     * The repository root: the first parent of the working directory that holds bin/fetch-minilm.
     */
    static Path repoRoot() {
        Path dir = Path.of("").toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.exists(p.resolve("bin/fetch-minilm"))) {
                return p;
            }
        }
        return dir;
    }

    /** MiniLM's tokenizer.json: system property adamix.minilm.dir, or data/minilm. */
    static Path miniLmTokenizerJson() {
        Path dir =
                Path.of(
                        System.getProperty(
                                "adamix.minilm.dir", repoRoot().resolve("data/minilm").toString()));
        Path json = dir.resolve("tokenizer.json");
        if (!Files.isRegularFile(json)) {
            fail(
                    "MiniLM tokenizer not found at "
                            + json
                            + ": run bin/fetch-minilm first"
                            + " (or set -Dadamix.minilm.dir=DIR)");
        }
        return json;
    }

    /**
     * The raw IMDB reviews.json (array of {"t": text, "s": label}): -Dadamix.imdb.reviews, or
     * data/imdb/reviews.json.
     */
    static Path imdbReviewsJson() {
        Path path =
                Path.of(
                        System.getProperty(
                                "adamix.imdb.reviews",
                                repoRoot().resolve("data/imdb/reviews.json").toString()));
        if (!Files.isRegularFile(path)) {
            fail(
                    "IMDB reviews not found at "
                            + path
                            + ": run bin/fetch-imdb first"
                            + " (or set -Dadamix.imdb.reviews=FILE)");
        }
        return path;
    }

    /** The first {@code limit} review texts, in file order. */
    static List<String> imdbReviews(int limit) throws IOException {
        return TokenizeBench.readReviews(imdbReviewsJson(), limit);
    }
}
