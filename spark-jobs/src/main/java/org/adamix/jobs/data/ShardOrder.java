package org.adamix.jobs.data;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The order in which a worker visits its shard in an epoch: a permutation drawn from (seed, epoch,
 * worker) alone, so every run, retry and resume sees the same batches.
 */
public final class ShardOrder {
    private ShardOrder() {}

    public static int[] permutation(int size, long seed, int epoch, int worker) {
        SplittableRandom r =
                new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch * 1_000_003L + worker);
        int[] p = new int[size];
        for (int i = 0; i < size; i++) p[i] = i;
        for (int i = size - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /**
     * Batches per window of {@link #groupedByLength}: long enough to find similar lengths, short
     * enough to stay random.
     */
    static final int WINDOW_BATCHES = 50;

    /**
     * The permutation re-ordered so that each batch holds examples of similar length (Hugging
     * Face's {@code group_by_length}): within windows of {@link #WINDOW_BATCHES} batches, examples
     * are sorted by length, cut into batches, and the batches of the window shuffled. Batches are
     * padded to their longest, so short texts then cost what they hold instead of what their
     * longest neighbour holds.
     */
    public static int[] groupedByLength(
            int[] permutation, int[] lengths, int batchSize, long seed, int epoch, int worker) {
        int[] out = new int[permutation.length];
        SplittableRandom r =
                new SplittableRandom(seed * 0x632BE59BD9B4E019L + epoch * 1_000_033L + worker);
        int window = WINDOW_BATCHES * batchSize, o = 0;
        for (int from = 0; from < permutation.length; from += window) {
            int to = Math.min(permutation.length, from + window);
            Integer[] w = new Integer[to - from];
            for (int i = from; i < to; i++) w[i - from] = permutation[i];
            java.util.Arrays.sort(
                    w,
                    java.util.Comparator.comparingInt(
                            i -> lengths[i])); // stable: ties keep the random order
            // full batches shuffled; a short last batch stays last, or every batch after it would
            // be cut differently
            int full = w.length / batchSize;
            for (int b : permutation(full, r.nextLong(), 0, 0))
                for (int i = b * batchSize; i < (b + 1) * batchSize; i++) out[o++] = w[i];
            for (int i = full * batchSize; i < w.length; i++) out[o++] = w[i];
        }
        return out;
    }

    /**
     * The {@code step}-th batch (0-based, within the epoch) of a shard, or an empty list past its
     * end.
     */
    public static <T> List<T> batch(List<T> shard, int[] permutation, int step, int batchSize) {
        List<T> out = new ArrayList<>(batchSize);
        for (int i = step * batchSize; i < Math.min(shard.size(), (step + 1) * batchSize); i++)
            out.add(shard.get(permutation[i]));
        return out;
    }
}
