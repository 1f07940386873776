package org.adamix.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.adamix.jobs.cli.EvaluateCommand;
import org.adamix.jobs.cli.MergeCommand;
import org.adamix.jobs.cli.PredictCommand;
import org.adamix.jobs.cli.TrainCommand;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pipeline with backbone, data and every output on a real HDFS (in-JVM MiniDFSCluster). */
class HdfsTest {
    static MiniDFSCluster cluster;
    static FileSystem hdfs;
    static String root;
    static JavaSparkContext sc;
    @TempDir static Path tmp;

    @BeforeAll
    static void start() throws Exception {
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, tmp.resolve("dfs").toString());
        cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        cluster.waitActive();
        hdfs = cluster.getFileSystem();
        root = hdfs.getUri().toString();
        sc = SparkTests.local2();
    }

    @AfterAll
    static void stop() {
        if (sc != null) sc.stop();
        if (cluster != null) cluster.shutdown();
    }

    static void put(Path local, String remote) throws Exception {
        hdfs.copyFromLocalFile(
                new org.apache.hadoop.fs.Path(local.toUri()),
                new org.apache.hadoop.fs.Path(root + remote));
    }

    @Test
    void trainMergeEvaluatePredictOnHdfs() throws Exception {
        put(TestData.imdb("train", 24, tmp.resolve("data")), "/data/imdb/train.jsonl");
        put(TestData.imdb("dev", 16, tmp.resolve("data")), "/data/imdb/dev.jsonl");
        put(TestData.minilm(), "/models/minilm");
        String bb = root + "/models/minilm", out = root + "/runs/r1";
        TrainCommand train = new TrainCommand();
        TestData.Run r =
                TestData.run(
                        train,
                        "--backbone",
                        bb,
                        "--train",
                        root + "/data/imdb/train.jsonl",
                        "--dev",
                        root + "/data/imdb/dev.jsonl",
                        "--workers",
                        "2",
                        "--batch-size",
                        "4",
                        "--local-steps",
                        "2",
                        "--epochs",
                        "1",
                        "--max-length",
                        "24",
                        "--rank",
                        "4",
                        "--experts",
                        "2",
                        "--output",
                        out);
        assertEquals(0, r.code(), r.err());
        for (String f :
                new String[] {
                    "/mixture/adapter_model.safetensors",
                    "/metrics.jsonl",
                    "/curves.png",
                    "/labels.json",
                    "/summary.json",
                    "/_SUCCESS"
                }) assertTrue(hdfs.exists(new org.apache.hadoop.fs.Path(out + f)), f);
        assertEquals(0, TestData.run(new MergeCommand(), "--model", out, "--backbone", bb).code());
        assertTrue(
                hdfs.exists(
                        new org.apache.hadoop.fs.Path(out + "/merged/adapter_model.safetensors")));
        assertEquals(
                0,
                TestData.run(
                                new EvaluateCommand(),
                                "--model",
                                out,
                                "--backbone",
                                bb,
                                "--data",
                                root + "/data/imdb/dev.jsonl",
                                "--max-length",
                                "24",
                                "--workers",
                                "2")
                        .code());
        assertTrue(hdfs.exists(new org.apache.hadoop.fs.Path(out + "/eval.json")));
        assertEquals(
                0,
                TestData.run(
                                new PredictCommand(),
                                "--model",
                                out,
                                "--backbone",
                                bb,
                                "--input",
                                root + "/data/imdb/dev.jsonl",
                                "--max-length",
                                "24",
                                "--output",
                                root + "/predictions/r1")
                        .code());
        assertTrue(hdfs.exists(new org.apache.hadoop.fs.Path(root + "/predictions/r1/_SUCCESS")));
        // nothing is left under a temporary name
        for (var st : hdfs.listStatus(new org.apache.hadoop.fs.Path(out)))
            assertFalse(st.getPath().getName().contains(".tmp-"), st.getPath().toString());
    }

    /**
     * On HDFS the lock is create(overwrite = false): a second holder is refused with the first
     * one's line; release frees it.
     */
    @Test
    void outputLockOnHdfs() throws Exception {
        org.apache.hadoop.fs.Path out = new org.apache.hadoop.fs.Path(root + "/runs/locked");
        Configuration conf = hdfs.getConf();
        try (org.adamix.jobs.spark.OutputLock first =
                org.adamix.jobs.spark.OutputLock.acquire(out, conf, "application_1_0001", false)) {
            var e =
                    org.junit.jupiter.api.Assertions.assertThrows(
                            org.adamix.jobs.spark.JobInputException.class,
                            () ->
                                    org.adamix.jobs.spark.OutputLock.acquire(
                                            out, conf, "application_1_0002", false));
            assertTrue(e.getMessage().contains("application application_1_0001"), e.getMessage());
        }
        assertFalse(hdfs.exists(out), "released, and the folder it made is gone again");
        org.adamix.jobs.spark.OutputLock.acquire(out, conf, "application_1_0003", false).close();
    }
}
