package org.adamix.jobs.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.ContextCleaner;
import org.apache.spark.HashPartitioner;
import org.apache.spark.ShuffleDependency;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import scala.Option;
import scala.Tuple2;

/**
 * The round's reduction on executors: partition i of every level goes to node i / FAN_IN of the
 * next, which sorts what it received by i and folds left ({@link RoundSum#combine}); levels repeat
 * until one partial is left, and only that one reaches the driver. Spark's treeAggregate and fold
 * merge in the order tasks and shuffle blocks arrive, which would make the float sums differ from
 * run to run; here every node adds in index order, so retried tasks and reruns give the same bits,
 * and so does {@link RoundSum#inTreeOrder} in process.
 */
public final class RoundTree {
    private RoundTree() {}

    /** One worker's local steps on its shard (partition {@code worker}). */
    public interface WorkerStep<T> extends java.io.Serializable {
        WorkerResult run(int worker, java.util.Iterator<T> shard) throws Exception;
    }

    /**
     * Every shard's {@code step}, each result a leaf, summed in the executors' fixed-order tree:
     * the driver receives one sum.
     */
    public static <T> RoundSum sumOfWorkers(
            JavaSparkContext sc, JavaRDD<T> shards, WorkerStep<T> step) {
        JavaRDD<RoundSum> leaves =
                shards.mapPartitionsWithIndex(
                        (i, it) ->
                                java.util.Collections.singletonList(RoundSum.of(step.run(i, it)))
                                        .iterator(),
                        true);
        return reduce(sc, leaves);
    }

    /**
     * {@code leaves}: one RoundSum per partition, partition = worker index. Returns the round's
     * total.
     */
    public static RoundSum reduce(JavaSparkContext sc, JavaRDD<RoundSum> leaves) {
        JavaRDD<RoundSum> level = leaves;
        List<Integer> shuffles = new ArrayList<>();
        while (level.getNumPartitions() > 1) {
            int nodes = (level.getNumPartitions() + RoundSum.FAN_IN - 1) / RoundSum.FAN_IN;
            // key = node; HashPartitioner(nodes) sends Integer k to partition k, so node g is
            // partition g next level
            JavaPairRDD<Integer, Tuple2<Integer, RoundSum>> keyed =
                    level.mapPartitionsWithIndex(
                                    (i, it) -> {
                                        List<Tuple2<Integer, Tuple2<Integer, RoundSum>>> out =
                                                new ArrayList<>();
                                        it.forEachRemaining(
                                                s ->
                                                        out.add(
                                                                new Tuple2<>(
                                                                        i / RoundSum.FAN_IN,
                                                                        new Tuple2<>(i, s))));
                                        return out.iterator();
                                    },
                                    true)
                            .mapToPair(t -> t)
                            .partitionBy(new HashPartitioner(nodes));
            shuffles.add(
                    ((ShuffleDependency<?, ?, ?>) keyed.rdd().dependencies().head()).shuffleId());
            level =
                    keyed.mapPartitions(
                            it -> {
                                List<Tuple2<Integer, RoundSum>> in = new ArrayList<>();
                                it.forEachRemaining(t -> in.add(t._2()));
                                in.sort(Comparator.comparingInt(Tuple2::_1));
                                return Collections.singletonList(
                                                RoundSum.combine(
                                                        in.stream().map(Tuple2::_2).toList()))
                                        .iterator();
                            },
                            true);
        }
        List<RoundSum> total = level.collect();
        if (total.size() != 1)
            throw new IllegalStateException(
                    "the round's reduction ended with " + total.size() + " partials");
        removeShuffles(sc, shuffles);
        return total.get(0);
    }

    /**
     * Each round leaves its leaves' shuffle files on the executors' disks, which Spark would remove
     * only once the driver's garbage collector has collected the round's RDDs (a full GC can be
     * half an hour away): the round is over and nothing reads them again, so they go now.
     */
    private static void removeShuffles(JavaSparkContext sc, List<Integer> shuffleIds) {
        Option<ContextCleaner> cleaner = sc.sc().cleaner();
        if (cleaner.isEmpty()) return;
        for (int id : shuffleIds) cleaner.get().doCleanupShuffle(id, false);
    }
}
