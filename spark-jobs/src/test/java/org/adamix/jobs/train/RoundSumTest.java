package org.adamix.jobs.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

/**
 * The round's sums: the driver's former average up to FAN_IN workers, a fixed order beyond, and
 * Spark's tree the same.
 */
class RoundSumTest {

    /**
     * Worker results with values of very different magnitudes (so that addition order shows), some
     * with no examples.
     */
    static List<WorkerResult> results(int workers, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<WorkerResult> out = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            float[] p = new float[64], s = new float[128];
            for (int i = 0; i < p.length; i++)
                p[i] = (float) ((r.nextDouble() - 0.5) * Math.pow(10, r.nextInt(-12, 6)));
            for (int i = 0; i < s.length; i++)
                s[i] = (float) (r.nextDouble() * Math.pow(10, r.nextInt(-20, 2)));
            long n = w % 5 == 3 ? 0 : 1 + r.nextInt(40);
            out.add(
                    new WorkerResult(
                            w, p, s, n, n * r.nextDouble(), n == 0 ? 0 : 3, "jvm" + w, 1, 1000));
        }
        return out;
    }

    /**
     * The driver's loop before the tree: workers with examples in index order, from 0.0, in double.
     */
    static float[] sequential(List<WorkerResult> rs, boolean params) {
        long total = rs.stream().mapToLong(WorkerResult::examples).sum();
        int n = (params ? rs.get(0).params() : rs.get(0).state()).length;
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            double sum = 0;
            for (WorkerResult r : rs)
                if (r.examples() > 0)
                    sum += (double) r.examples() * (params ? r.params() : r.state())[i];
            out[i] = (float) (sum / total);
        }
        return out;
    }

    @Test
    void upToFanInWorkersTheAverageIsTheFormerSequentialOne() {
        for (int w = 1; w <= RoundSum.FAN_IN; w++) {
            List<WorkerResult> rs = results(w, w);
            if (rs.stream().allMatch(r -> r.examples() == 0)) continue;
            List<WorkerResult> shuffled = new ArrayList<>(rs);
            Collections.shuffle(shuffled, new java.util.Random(w));
            RoundAverage a = RoundAverage.of(shuffled, null, null);
            assertArrayEquals(sequential(rs, true), a.params(), "workers " + w);
            assertArrayEquals(sequential(rs, false), a.state(), "workers " + w);
            assertEquals(rs.stream().filter(r -> r.examples() > 0).count(), a.workersAveraged());
        }
    }

    @Test
    void noExamplesKeepsThePreviousWeights() {
        float[] p = {1, 2}, s = {3};
        RoundAverage a =
                RoundAverage.of(
                        List.of(
                                new WorkerResult(
                                        0,
                                        new float[] {9, 9},
                                        new float[] {9},
                                        0,
                                        0,
                                        0,
                                        "j",
                                        1,
                                        1)),
                        p,
                        s);
        assertSame(p, a.params());
        assertSame(s, a.state());
        assertEquals(0, a.examples());
        RoundAverage none =
                RoundAverage.of(
                        List.of(new WorkerResult(0, new float[] {1}, null, 2, 0, 1, "j", 1, 1)),
                        p,
                        s);
        assertNull(none.state(), "no optimizer state, no average of it");
    }

    /**
     * Beyond FAN_IN workers the order is the tree's: 10 workers add as (w0..w7) + (w8 + w9). With
     * 1e20, zeros, -1e20 and 1 the sequential sum keeps the 1 and the tree loses it in -1e20 + 1:
     * the order is part of the result, which is why it is fixed, whatever order the results come
     * in.
     */
    @Test
    void beyondFanInTheTreeOrderIsFixedAndMatters() {
        List<WorkerResult> rs = new ArrayList<>();
        for (int w = 0; w < 10; w++) {
            float x = w == 0 ? 1e20f : w == 8 ? -1e20f : w == 9 ? 1f : 0f;
            rs.add(new WorkerResult(w, new float[] {x}, null, 1, 0, 1, "j", 1, 1));
        }
        assertArrayEquals(new float[] {0.1f}, sequential(rs, true));
        assertArrayEquals(new float[] {0f}, RoundAverage.of(rs, null, null).params());
        List<WorkerResult> reversed = new ArrayList<>(rs);
        Collections.reverse(reversed);
        assertArrayEquals(
                new float[] {0f},
                RoundAverage.of(reversed, null, null).params(),
                "sorted by worker whatever the input order");
    }

    /**
     * Spark's tree (shuffles in whatever order blocks arrive) adds exactly as the in-process tree
     * does, run after run.
     */
    @Test
    void sparkTreeIsTheInProcessTree() {
        JavaSparkContext sc =
                new JavaSparkContext(
                        new SparkConf()
                                .setMaster("local[2]")
                                .setAppName("round-sum-test")
                                .set("spark.ui.enabled", "false")
                                .set("spark.driver.host", "127.0.0.1"));
        try {
            for (int w : new int[] {1, 2, 5, 8, 9, 23, 70}) {
                List<WorkerResult> rs = results(w, 100 + w);
                if (rs.stream().allMatch(r -> r.examples() == 0)) continue;
                RoundAverage expected = RoundAverage.of(rs, null, null);
                for (int run = 0; run < 2; run++) {
                    JavaRDD<RoundSum> leaves = sc.parallelize(rs, w).map(RoundSum::of);
                    RoundSum total = RoundTree.reduce(sc, leaves);
                    RoundAverage got = total.average(null, null);
                    assertArrayEquals(expected.params(), got.params(), "workers " + w);
                    assertArrayEquals(expected.state(), got.state(), "workers " + w);
                    assertEquals(expected.lossSum(), got.lossSum(), 0.0);
                    assertEquals(w, total.workers().size());
                    assertEquals(0, total.workers().get(0).worker());
                }
            }
        } finally {
            sc.stop();
        }
    }
}
