package org.adamix.jobs.spark;

import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import scala.Tuple2;

/**
 * The driver's Hadoop configuration as plain entries, so tasks see the same file systems (HDFS name
 * nodes, S3 keys).
 */
public final class HadoopConf implements Serializable {
    private final Map<String, String> entries = new HashMap<>();
    private transient Configuration conf;

    public HadoopConf(Configuration source) {
        for (Map.Entry<String, String> e : source) entries.put(e.getKey(), e.getValue());
    }

    /**
     * The Hadoop configuration for driver code: the active SparkContext's, else (before one exists)
     * the site files plus every {@code spark.hadoop.*} entry of the SparkConf, which is what
     * SparkContext builds from the same settings. A plain {@code new Configuration()} would miss
     * {@code --conf spark.hadoop.*} (file system classes, name nodes, object store keys).
     */
    public static Configuration driver() {
        scala.Option<SparkContext> active = org.apache.spark.SparkContext$.MODULE$.getActive();
        if (active.isDefined()) return active.get().hadoopConfiguration();
        Configuration c = new Configuration();
        for (Tuple2<String, String> e : new SparkConf().getAllWithPrefix("spark.hadoop."))
            c.set(e._1(), e._2());
        return c;
    }

    public synchronized Configuration get() {
        if (conf == null) {
            Configuration c = new Configuration(false);
            entries.forEach(c::set);
            conf = c;
        }
        return conf;
    }
}
