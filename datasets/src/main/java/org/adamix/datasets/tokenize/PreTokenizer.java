package org.adamix.datasets.tokenize;

import java.util.List;

/**
 * Second stage of the pipeline: splits normalized text into words, which the model then cuts into
 * pieces.
 */
@FunctionalInterface
interface PreTokenizer {
    void split(String normalized, List<String> words);
}
