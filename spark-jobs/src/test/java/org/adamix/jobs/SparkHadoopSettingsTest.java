package org.adamix.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.adamix.jobs.cli.EvaluateCommand;
import org.adamix.jobs.cli.PredictCommand;
import org.adamix.jobs.cli.TrainCommand;
import org.adamix.jobs.spark.HadoopConf;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Driver code reads and writes through the Hadoop configuration Spark gives it, so a setting passed
 * only as {@code --conf spark.hadoop.*} counts on the driver too: here a file system scheme that
 * Hadoop knows only from {@code spark.hadoop.fs.testfs.impl}.
 */
class SparkHadoopSettingsTest {
    @TempDir Path tmp;

    /** The local file system under the scheme testfs://. */
    public static class TestFs extends RawLocalFileSystem {
        @Override
        public URI getUri() {
            return URI.create("testfs:///");
        }

        @Override
        public String getScheme() {
            return "testfs";
        }
    }

    /**
     * The settings; no cache, so a cached instance cannot stand in for a configuration that lacks
     * them.
     */
    static final Map<String, String> SETTINGS =
            Map.of(
                    "spark.hadoop.fs.testfs.impl",
                    TestFs.class.getName(),
                    "spark.hadoop.fs.testfs.impl.disable.cache",
                    "true");

    static String testfs(Path p) {
        return "testfs://" + p.toAbsolutePath();
    }

    /**
     * Runs {@code body} with the settings as system properties, which is how spark-submit passes
     * --conf to the driver.
     */
    static void withSparkHadoopSettings(ThrowingRunnable body) throws Exception {
        SETTINGS.forEach(System::setProperty);
        try {
            body.run();
        } finally {
            SETTINGS.keySet().forEach(System::clearProperty);
        }
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void trainOnASchemeKnownOnlyFromSparkHadoopSettings() throws Exception {
        Path data = TestData.imdb("train", 8, tmp.resolve("data"));
        Path out = tmp.resolve("run");
        withSparkHadoopSettings(
                () -> {
                    TestData.Run r =
                            TestData.run(
                                    new TrainCommand(),
                                    "--backbone",
                                    testfs(TestData.minilm()),
                                    "--train",
                                    testfs(data),
                                    "--output",
                                    testfs(out),
                                    "--labels",
                                    "neg,pos",
                                    "--workers",
                                    "1",
                                    "--batch-size",
                                    "4",
                                    "--local-steps",
                                    "1",
                                    "--epochs",
                                    "1",
                                    "--max-length",
                                    "16",
                                    "--rank",
                                    "4",
                                    "--experts",
                                    "2",
                                    "--master",
                                    "local[1]");
                    assertEquals(0, r.code(), r.err());
                });
        assertTrue(Files.exists(out.resolve("mixture/adapter_model.safetensors")));
        assertTrue(Files.exists(out.resolve("_SUCCESS")));
    }

    @Test
    void evaluateAndPredictOnASchemeKnownOnlyFromSparkHadoopSettings() throws Exception {
        Path run = TestData.untrainedRun(tmp.resolve("run"), List.of("neg", "pos"));
        Path data = TestData.imdb("dev", 6, tmp.resolve("data"));
        Path preds = tmp.resolve("predictions");
        withSparkHadoopSettings(
                () -> {
                    TestData.Run ev =
                            TestData.run(
                                    new EvaluateCommand(),
                                    "--model",
                                    testfs(run),
                                    "--backbone",
                                    testfs(TestData.minilm()),
                                    "--data",
                                    testfs(data),
                                    "--max-length",
                                    "16",
                                    "--workers",
                                    "1",
                                    "--master",
                                    "local[1]");
                    assertEquals(0, ev.code(), ev.err());
                    TestData.Run pr =
                            TestData.run(
                                    new PredictCommand(),
                                    "--model",
                                    testfs(run),
                                    "--backbone",
                                    testfs(TestData.minilm()),
                                    "--input",
                                    testfs(data),
                                    "--output",
                                    testfs(preds),
                                    "--max-length",
                                    "16",
                                    "--workers",
                                    "1",
                                    "--master",
                                    "local[1]");
                    assertEquals(0, pr.code(), pr.err());
                });
        assertTrue(Files.exists(run.resolve("eval.json")));
        assertTrue(Files.exists(preds.resolve("_SUCCESS")));
    }

    /**
     * With a SparkContext already running (notebooks, the tests' shared contexts), its Hadoop
     * configuration is the driver's.
     */
    @Test
    void theActiveContextsHadoopConfigurationIsTheDrivers() throws Exception {
        SparkConf conf =
                new SparkConf()
                        .setMaster("local[1]")
                        .setAppName("adamix-test")
                        .set("spark.ui.enabled", "false");
        SETTINGS.forEach(conf::set);
        JavaSparkContext sc = new JavaSparkContext(conf);
        try {
            assertEquals(TestFs.class.getName(), HadoopConf.driver().get("fs.testfs.impl"));
            assertTrue(
                    new org.apache.hadoop.fs.Path(testfs(tmp))
                            .getFileSystem(HadoopConf.driver())
                            .exists(new org.apache.hadoop.fs.Path(testfs(tmp))));
        } finally {
            sc.stop();
        }
    }
}
