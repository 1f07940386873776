package org.adamix.jobs;

import org.adamix.jobs.cli.TrainCommand;
import org.adamix.jobs.train.TrainJob;
import org.adamix.jobs.train.WorkerResult;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Two executor JVMs ({@code local-cluster[2,1,1024]}): broadcast and aggregate cross process boundaries,
 * and the result is bit for bit the one of the same job on local[2].
 */
class LocalClusterTest {
    @TempDir
    Path tmp;

    static final String OPENS = "-XX:+IgnoreUnrecognizedVMOptions --add-opens=java.base/java.lang=ALL-UNNAMED "
            + "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED "
            + "--add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED "
            + "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED "
            + "--add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED";

    TrainJob.Result train(Path out, Path data) {
        TrainCommand cmd = new TrainCommand();
        TestData.Run r = TestData.run(cmd, "--backbone", TestData.minilm().toString(), "--train", data.toString(),
                "--labels", "neg,pos", "--workers", "2", "--batch-size", "4", "--local-steps", "2", "--epochs", "1",
                "--max-length", "24", "--rank", "4", "--experts", "2", "--output", out.toString());
        assertEquals(0, r.code(), r.err());
        return cmd.result();
    }

    @Test
    void twoExecutorJvmsGiveTheLocalResult() throws Exception {
        Path data = TestData.imdb("train", 16, tmp.resolve("data"));
        JavaSparkContext local = SparkTests.local2();
        TrainJob.Result expected;
        try {
            expected = train(tmp.resolve("local"), data);
        } finally {
            local.stop();
        }
        Path sparkHome = Files.createDirectories(Path.of("target/spark-home/jars")).getParent().toAbsolutePath();
        SparkConf conf = new SparkConf().setMaster("local-cluster[2,1,1024]").setAppName("adamix-local-cluster")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")
                .set("spark.home", sparkHome.toString())
                .set("spark.executor.extraClassPath", System.getProperty("java.class.path"))
                .set("spark.executor.extraJavaOptions", OPENS + " -Djdk.reflect.useDirectMethodHandle=false")
                .set("spark.executorEnv.OMP_NUM_THREADS", "1");
        JavaSparkContext sc = new JavaSparkContext(conf);
        try {
            TrainJob.Result r = train(tmp.resolve("cluster"), data);
            Set<String> jvms = r.lastWorkers().stream().map(WorkerResult::jvm).collect(Collectors.toSet());
            assertEquals(2, jvms.size(), "two executor JVMs: " + jvms);
            assertFalse(jvms.contains(ManagementFactory.getRuntimeMXBean().getName()), "not the driver");
            assertArrayEquals(expected.weights().params(), r.weights().params());
            assertArrayEquals(expected.weights().state(), r.weights().state());
        } finally {
            sc.stop();
        }
    }
}
