package org.adamix.model.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The thread count a Spark task sets reaches the vector kernels. (ND4J's own setting does not: its
 * setMaxThreads is a no-op in 1.0.0-M2.1, and 1-core tasks forked every kernel onto all cores.)
 */
class ThreadsTest {
    private static List<int[]> ranges(int threads) {
        int before = Threads.kernels();
        List<int[]> seen = new ArrayList<>();
        try {
            Threads.use(threads);
            Kernels.parallel(
                    1000,
                    1L << 20,
                    (a, b) -> {
                        synchronized (seen) {
                            seen.add(new int[] {a, b});
                        }
                    });
        } finally {
            Threads.use(before);
        }
        return seen;
    }

    @Test
    void oneThreadRunsTheWholeRangeOnTheCaller() {
        List<int[]> seen = ranges(1);
        assertEquals(1, seen.size());
        assertEquals(0, seen.get(0)[0]);
        assertEquals(1000, seen.get(0)[1]);
    }

    @Test
    void openBlasFollowsTheSameSetting() {
        int before = Threads.kernels();
        try {
            Threads.use(1);
            assertEquals(1, Threads.blas());
            assertEquals(1, Threads.kernels());
        } finally {
            Threads.use(before);
        }
    }

    @Test
    void twoThreadsSplitTheRangeIntoChunks() {
        List<int[]> seen = ranges(2);
        assertEquals(8, seen.size(), "4 chunks per thread");
        assertEquals(
                1000, seen.stream().mapToInt(r -> r[1] - r[0]).sum(), "the chunks cover [0, n)");
    }
}
