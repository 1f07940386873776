package org.adamix.jobs.generation;

import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * The splits of a generation comparison, tokenized on the driver and broadcast to every run:
 * training and dev pairs in the training layout, and one prompt per test source with all its
 * references (E2E has several per meaning representation). The tokenizer's files let a task decode
 * what it generates.
 */
record GenerationCompareData(
        List<LmExample> train,
        List<LmExample> dev,
        List<int[]> testPrompts,
        List<List<String>> testReferences,
        Map<String, byte[]> tokenizerFiles)
        implements Serializable {

    boolean hasTest() {
        return !testPrompts.isEmpty();
    }
}
