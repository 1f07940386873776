package org.adamix.jobs.data;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import org.adamix.datasets.DatasetReader;
import org.adamix.datasets.DatasetSpec;
import org.adamix.datasets.Example;
import org.adamix.datasets.ExampleIds;
import org.adamix.datasets.InputFiles;
import org.adamix.datasets.Sharding;
import org.adamix.jobs.spark.ExecutorModels;
import org.adamix.jobs.spark.HadoopConf;
import org.adamix.jobs.spark.ShippedBackbone;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * A dataset read and tokenized on executors and split into {@code shards} partitions: the driver
 * only lists the files; tasks read groups of files, tokenize, and send each example to partition
 * {@link Sharding#shardOf}(id, seed, shards). Within a partition examples are sorted by id, so a
 * shard's content and order do not depend on which task read what. Cached serialized, memory and
 * disk.
 */
public final class ShardedData {
    private ShardedData() {}

    /** The data files, checked on the driver (exist, ids unique across the whole listing). */
    public static List<String> listFiles(DatasetSpec spec, Configuration conf, List<String> paths) {
        List<Path> files = InputFiles.list(conf, paths);
        if (spec.idColumn() == null)
            ExampleIds.checkUnique(files, new CompressionCodecFactory(conf));
        List<String> out = new ArrayList<>();
        for (Path p : files) out.add(p.toString());
        return out;
    }

    public static JavaRDD<TokenizedExample> load(
            JavaSparkContext sc,
            DatasetSpec spec,
            HadoopConf conf,
            List<String> files,
            Broadcast<ShippedBackbone> backbone,
            int maxLength,
            long seed,
            int shards) {
        int readTasks = Math.max(1, Math.min(files.size(), shards));
        JavaRDD<TokenizedExample> read =
                sc.parallelize(files, readTasks)
                        .mapPartitions(
                                it -> {
                                    List<Path> mine = new ArrayList<>();
                                    it.forEachRemaining(f -> mine.add(new Path(f)));
                                    if (mine.isEmpty())
                                        return java.util.Collections.emptyIterator();
                                    ExampleEncoder encoder =
                                            new ExampleEncoder(
                                                    ExecutorModels.tokenizer(backbone.value()),
                                                    maxLength);
                                    DatasetReader reader =
                                            DatasetReader.openFiles(spec, conf.get(), mine);
                                    return new Iterator<TokenizedExample>() {
                                        @Override
                                        public boolean hasNext() {
                                            boolean more = reader.hasNext();
                                            if (!more) reader.close();
                                            return more;
                                        }

                                        @Override
                                        public TokenizedExample next() {
                                            Example e = reader.next();
                                            return encoder.encode(e);
                                        }
                                    };
                                });
        return read.mapToPair(e -> new Tuple2<>(Sharding.shardOf(e.id(), seed, shards), e))
                .partitionBy(new HashPartitioner(shards))
                .mapPartitions(
                        it -> {
                            List<TokenizedExample> all = new ArrayList<>();
                            it.forEachRemaining(t -> all.add(t._2()));
                            all.sort(Comparator.comparing(TokenizedExample::id));
                            return all.iterator();
                        },
                        true)
                .persist(StorageLevel.MEMORY_AND_DISK_SER());
    }
}
