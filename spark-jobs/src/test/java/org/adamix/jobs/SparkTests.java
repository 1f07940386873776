package org.adamix.jobs;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/** One local[2] Spark context per test class: small, quiet, no UI. */
final class SparkTests {
    private SparkTests() {}

    static JavaSparkContext local2() {
        SparkConf conf =
                new SparkConf()
                        .setMaster("local[2]")
                        .setAppName("adamix-test")
                        .set("spark.ui.enabled", "false")
                        .set("spark.driver.host", "127.0.0.1")
                        .set("spark.sql.shuffle.partitions", "2");
        JavaSparkContext sc = new JavaSparkContext(conf);
        sc.setLogLevel("WARN");
        return sc;
    }
}
