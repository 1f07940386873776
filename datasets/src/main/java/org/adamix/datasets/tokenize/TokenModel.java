package org.adamix.datasets.tokenize;

/** Third stage of the pipeline: cuts one pre-tokenized word into vocabulary ids. */
interface TokenModel {
    /** The ids of one word. The array may be shared (cached): callers must not modify it. */
    int[] tokenize(String word);

    Vocab vocab();
}
