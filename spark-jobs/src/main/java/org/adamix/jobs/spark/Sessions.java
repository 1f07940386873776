package org.adamix.jobs.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The Spark context of a command: the active one (spark-submit, tests, notebooks) if there is one,
 * else a new one on {@code --master} (default {@code local[*]} unless spark-submit set
 * spark.master). Only a context created here is stopped when the command ends.
 */
public final class Sessions implements AutoCloseable {
    private final JavaSparkContext sc;
    private final boolean owned;

    private Sessions(JavaSparkContext sc, boolean owned) {
        this.sc = sc;
        this.owned = owned;
    }

    public static Sessions open(String master, String appName) {
        scala.Option<SparkContext> active = org.apache.spark.SparkContext$.MODULE$.getActive();
        if (active.isDefined())
            return new Sessions(JavaSparkContext.fromSparkContext(active.get()), false);
        SparkConf conf = new SparkConf().setAppName(appName);
        if (master != null) conf.setMaster(master);
        else if (!conf.contains("spark.master")) conf.setMaster("local[*]");
        JavaSparkContext sc = new JavaSparkContext(conf);
        if (master != null || !System.getProperties().containsKey("spark.master"))
            sc.setLogLevel("WARN");
        return new Sessions(sc, true);
    }

    public JavaSparkContext sc() {
        return sc;
    }

    /**
     * True when executors run inside this JVM (local master), so the driver's backbone can be
     * shared with them.
     */
    public boolean localMode() {
        return sc.master().startsWith("local[") || sc.master().equals("local");
    }

    @Override
    public void close() {
        if (owned) sc.stop();
    }
}
