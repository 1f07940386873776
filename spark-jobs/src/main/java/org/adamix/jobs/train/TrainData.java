package org.adamix.jobs.train;

import java.util.Collections;
import java.util.List;
import org.adamix.jobs.cli.TrainCommand;
import org.adamix.jobs.data.ShardedData;
import org.adamix.jobs.data.TokenizedExample;
import org.adamix.jobs.spark.ExecutorModels;
import org.adamix.jobs.spark.HadoopConf;
import org.adamix.jobs.spark.ShippedBackbone;
import org.adamix.model.HeadConfig;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * The run's data on executors, loaded once before the first round: the training set read, tokenized
 * and cached as one shard (partition) per worker, the dev set likewise, and the backbone every
 * executor rebuilds its models from. The shard sizes are counted up front because the round plan
 * depends on them.
 */
final class TrainData {
    final int workers;
    final Broadcast<ShippedBackbone> shipped;
    final JavaRDD<TokenizedExample> train;

    /** Null without --dev. */
    final JavaRDD<TokenizedExample> dev;

    final List<Long> shardSizes;

    private TrainData(
            int workers,
            Broadcast<ShippedBackbone> shipped,
            JavaRDD<TokenizedExample> train,
            JavaRDD<TokenizedExample> dev,
            List<Long> shardSizes) {
        this.workers = workers;
        this.shipped = shipped;
        this.train = train;
        this.dev = dev;
        this.shardSizes = shardSizes;
    }

    static TrainData load(JavaSparkContext sc, TrainSetup setup, int workers, boolean localMode) {
        TrainCommand c = setup.cmd;
        HadoopConf hconf = new HadoopConf(sc.hadoopConfiguration());
        if (localMode) ExecutorModels.register(setup.backbone.backbone());
        Broadcast<ShippedBackbone> shipped =
                sc.broadcast(
                        ShippedBackbone.of(
                                setup.backbone.backbone(), setup.backbone.tokenizerFiles()));

        sc.setJobDescription("reading and tokenizing training data into " + workers + " shards");
        JavaRDD<TokenizedExample> train =
                ShardedData.load(
                        sc,
                        setup.trainSpec,
                        hconf,
                        setup.trainFiles,
                        shipped,
                        c.maxLength,
                        c.seed,
                        workers);
        List<Long> sizes =
                train.mapPartitions(
                                it -> {
                                    long n = 0;
                                    for (; it.hasNext(); it.next()) n++;
                                    return Collections.singletonList(n).iterator();
                                },
                                true)
                        .collect();
        JavaRDD<TokenizedExample> dev = null;
        if (!setup.devFiles.isEmpty()) {
            sc.setJobDescription("reading and tokenizing dev data");
            dev =
                    ShardedData.load(
                            sc,
                            setup.devSpec,
                            hconf,
                            setup.devFiles,
                            shipped,
                            c.maxLength,
                            c.seed,
                            workers);
            dev.count();
        }
        return new TrainData(workers, shipped, train, dev, sizes);
    }

    /** An epoch has as many steps as the largest shard needs ({@link RoundPlan}). */
    long largestShard() {
        return Collections.max(shardSizes);
    }

    long examples() {
        return shardSizes.stream().mapToLong(Long::longValue).sum();
    }

    boolean hasDev() {
        return dev != null;
    }

    /**
     * The head as trained: a regression head learns targets standardised by the training labels.
     */
    HeadConfig trainedHead(HeadConfig head) {
        if (!head.regression()) return head;
        List<Double> labels = train.map(TokenizedExample::label).collect();
        return TrainSetup.scaledFor(
                head, labels.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** Frees the executors' caches and the broadcast backbone once the run is over. */
    void release() {
        train.unpersist(false);
        if (dev != null) dev.unpersist(false);
        shipped.destroy();
    }
}
