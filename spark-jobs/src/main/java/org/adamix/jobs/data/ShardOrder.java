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
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch * 1_000_003L + worker);
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

    /** The {@code step}-th batch (0-based, within the epoch) of a shard, or an empty list past its end. */
    public static <T> List<T> batch(List<T> shard, int[] permutation, int step, int batchSize) {
        List<T> out = new ArrayList<>(batchSize);
        for (int i = step * batchSize; i < Math.min(shard.size(), (step + 1) * batchSize); i++) out.add(shard.get(permutation[i]));
        return out;
    }
}
