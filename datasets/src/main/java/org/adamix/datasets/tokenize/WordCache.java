package org.adamix.datasets.tokenize;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Word to ids memo shared by threads. Natural text repeats a small set of words, so most lookups
 * hit. Bounded by simply not adding once full: no eviction bookkeeping on the hot path, and the
 * first words seen are the common ones.
 */
final class WordCache {
    static final int DEFAULT_CAPACITY = 200_000;

    /** Very long words are rare and would only fill the cache. */
    private static final int MAX_WORD_LENGTH = 64;

    private final ConcurrentHashMap<String, int[]> map = new ConcurrentHashMap<>();
    private final int capacity;

    WordCache(int capacity) {
        this.capacity = capacity;
    }

    int[] get(String word, Function<String, int[]> compute) {
        int[] ids = map.get(word);
        if (ids != null) {
            return ids;
        }
        ids = compute.apply(word);
        if (word.length() <= MAX_WORD_LENGTH && map.size() < capacity) {
            map.putIfAbsent(word, ids);
        }
        return ids;
    }
}
