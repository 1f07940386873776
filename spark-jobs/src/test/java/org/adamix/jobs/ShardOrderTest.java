package org.adamix.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.adamix.jobs.data.ShardOrder;
import org.junit.jupiter.api.Test;

/**
 * Length-grouped batches: still a permutation, reproducible, and far less padding on varying
 * lengths.
 */
class ShardOrderTest {

    /** Tokens computed when every batch is padded to its longest example. */
    private static long paddedTokens(int[] order, int[] lengths, int batch) {
        long total = 0;
        for (int from = 0; from < order.length; from += batch) {
            int longest = 0, to = Math.min(order.length, from + batch);
            for (int i = from; i < to; i++) longest = Math.max(longest, lengths[order[i]]);
            total += (long) longest * (to - from);
        }
        return total;
    }

    @Test
    void groupedOrderIsAReproduciblePermutationWithLessPadding() {
        SplittableRandom r = new SplittableRandom(3);
        int n = 2_345, batch = 16;
        int[] lengths = new int[n];
        long real = 0;
        for (int i = 0; i < n; i++)
            real += lengths[i] = 8 + r.nextInt(90); // short texts, 8 to 97 tokens
        int[] p = ShardOrder.permutation(n, 7, 1, 0);
        int[] g = ShardOrder.groupedByLength(p, lengths, batch, 7, 1, 0);
        int[] sorted = g.clone();
        Arrays.sort(sorted);
        int[] all = new int[n];
        Arrays.setAll(all, i -> i);
        assertArrayEquals(all, sorted, "every example exactly once");
        assertArrayEquals(
                g, ShardOrder.groupedByLength(p, lengths, batch, 7, 1, 0), "same seed, same order");
        assertFalse(
                Arrays.equals(
                        g,
                        ShardOrder.groupedByLength(
                                ShardOrder.permutation(n, 7, 2, 0), lengths, batch, 7, 2, 0)),
                "another epoch, another order");
        long random = paddedTokens(p, lengths, batch), grouped = paddedTokens(g, lengths, batch);
        // random batches of 16 pad to ~the 94th percentile of length; grouped ones to within a few
        // tokens of each example
        assertTrue(grouped < 1.1 * real, "grouped " + grouped + " vs real " + real);
        assertTrue(random > 1.5 * real, "random " + random + " vs real " + real);
    }
}
