package org.adamix.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.adamix.jobs.cli.TrainCommand;
import org.adamix.model.checkpoint.Safetensors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.yarn.api.records.ApplicationReport;
import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;
import org.apache.hadoop.yarn.client.api.YarnClient;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A real YARN and HDFS (Hadoop's MiniYARNCluster and MiniDFSCluster, in this JVM; containers are
 * real child JVMs launched by the NodeManager). The shaded job jar, uploaded to HDFS, is submitted
 * through {@code deploy/spark-submit/submit-yarn.sh} with Spark's own {@code SparkSubmit} in
 * cluster mode: the driver runs in YARN's application master, as users run the jobs. Runs after
 * {@code package} ({@code mvn verify}), since it needs the job jar.
 */
class YarnClusterIT {
    static final String NAME = "adamix-yarn-it";
    static MiniDFSCluster dfs;
    static MiniYARNCluster yarn;
    static YarnClient client;
    static FileSystem hdfs;
    static String root;
    static Path hadoopConf, sparkSubmit;
    @TempDir static Path tmp;

    @BeforeAll
    static void start() throws Exception {
        Configuration conf = new YarnConfiguration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, tmp.resolve("dfs").toString());
        dfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        dfs.waitActive();
        hdfs = dfs.getFileSystem();
        root = hdfs.getUri().toString();
        conf.set(FileSystem.FS_DEFAULT_NAME_KEY, root);
        // Room for a driver (application master) and two executors of the sizes below; YARN
        // accounts memory, the containers use far less.
        conf.setInt(YarnConfiguration.NM_PMEM_MB, 12288);
        conf.setInt(YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB, 256);
        conf.setBoolean(YarnConfiguration.NM_PMEM_CHECK_ENABLED, false);
        conf.setBoolean(YarnConfiguration.NM_VMEM_CHECK_ENABLED, false);
        conf.setFloat(
                "yarn.nodemanager.disk-health-checker.max-disk-utilization-per-disk-percentage",
                100f);
        // The capacity scheduler (YARN's default) with one queue, as capacity-scheduler.xml gives
        // it; it admits application masters up to 10 % of the cluster unless told otherwise.
        conf.set("yarn.scheduler.capacity.root.queues", "default");
        conf.setFloat("yarn.scheduler.capacity.root.default.capacity", 100f);
        conf.setFloat("yarn.scheduler.capacity.maximum-am-resource-percent", 1f);
        yarn = new MiniYARNCluster(NAME, 1, 1, 1, 1);
        yarn.init(conf);
        yarn.start();
        Configuration live = yarn.getConfig();
        long deadline = System.currentTimeMillis() + 60_000;
        while (live.get(YarnConfiguration.RM_ADDRESS).endsWith(":0")
                && System.currentTimeMillis() < deadline) Thread.sleep(100);

        // HADOOP_CONF_DIR for spark-submit: the live cluster's settings (RM and HDFS addresses).
        hadoopConf = Files.createDirectories(tmp.resolve("hadoop-conf"));
        Configuration written = new Configuration(live);
        // MiniDFSCluster's rack mapping is a test class that a cluster's nodes do not have.
        written.unset("net.topology.node.switch.mapping.impl");
        for (String site : List.of("core-site.xml", "yarn-site.xml", "hdfs-site.xml"))
            try (OutputStream out = Files.newOutputStream(hadoopConf.resolve(site))) {
                written.writeXml(out);
            }
        client = YarnClient.createYarnClient();
        client.init(live);
        client.start();

        // A Spark installation: its jars are Spark's and Hadoop's (spark-provided.classpath, made
        // by the build). Like bin/spark-submit, the script runs SparkSubmit on them with the
        // HADOOP_CONF_DIR first on the classpath; containers take the jars from the local disk
        // (local: URIs).
        String sparkJars =
                Files.readString(Path.of(System.getProperty("adamix.sparkClasspath"))).trim();
        sparkSubmit = tmp.resolve("spark-submit");
        Files.writeString(
                sparkSubmit,
                "#!/bin/sh\nexec '"
                        + Path.of(System.getProperty("java.home"), "bin", "java")
                        + "' -Xmx512m "
                        + LocalClusterTest.OPENS
                        + " -cp \"$HADOOP_CONF_DIR\":'"
                        + sparkJars
                        + "' org.apache.spark.deploy.SparkSubmit \"$@\"\n");
        Files.setPosixFilePermissions(sparkSubmit, PosixFilePermissions.fromString("rwxr-xr-x"));
        yarnJars =
                Stream.of(sparkJars.split(":"))
                        .map(j -> "local:" + j)
                        .collect(Collectors.joining(","));

        hdfs.copyFromLocalFile(
                new org.apache.hadoop.fs.Path(System.getProperty("adamix.jobJar")),
                new org.apache.hadoop.fs.Path(root + "/apps/adamix/job.jar"));
        put(TinyFixture.backbone(Files.createDirectories(tmp.resolve("tiny"))), "/models/tiny");
        put(TinyFixture.data(tmp.resolve("data/train.jsonl"), "t", 48, 1), "/data/train.jsonl");
        put(TinyFixture.data(tmp.resolve("data/dev.jsonl"), "d", 16, 2), "/data/dev.jsonl");
    }

    static String yarnJars;

    @AfterAll
    static void stop() {
        if (client != null) client.stop();
        if (yarn != null) yarn.stop();
        if (dfs != null) dfs.shutdown();
    }

    static void put(Path local, String remote) throws IOException {
        hdfs.copyFromLocalFile(
                new org.apache.hadoop.fs.Path(local.toUri()),
                new org.apache.hadoop.fs.Path(root + remote));
    }

    static boolean exists(String path) throws IOException {
        return hdfs.exists(new org.apache.hadoop.fs.Path(root + path));
    }

    /** spark-submit's exit code and output, and YARN's report of the application. */
    record Submission(int exit, String output, ApplicationReport report) {
        String driverLog() throws IOException {
            return amLog(report.getApplicationId().toString());
        }
    }

    /**
     * {@code deploy/spark-submit/submit-yarn.sh} (cluster mode, its defaults) with sizes for this
     * small cluster; waits for the application's end as Airflow does.
     */
    static Submission submit(String appName, String command, String... options) throws Exception {
        Path repo = Path.of(System.getProperty("adamix.repo"));
        List<String> cmd =
                new ArrayList<>(
                        List.of(
                                "bash",
                                repo.resolve("deploy/spark-submit/submit-yarn.sh").toString(),
                                "--jar",
                                root + "/apps/adamix/job.jar",
                                "--name",
                                appName,
                                "--executors",
                                "2",
                                "--executor-cores",
                                "1",
                                "--executor-memory",
                                "512m",
                                "--nd4j-offheap",
                                "256m",
                                "--driver-memory",
                                "512m",
                                "--conf",
                                "spark.yarn.jars=" + yarnJars,
                                "--conf",
                                "spark.yarn.appMasterEnv.JAVA_HOME="
                                        + System.getProperty("java.home"),
                                "--conf",
                                "spark.executorEnv.JAVA_HOME=" + System.getProperty("java.home"),
                                "--conf",
                                "spark.ui.enabled=false"));
        cmd.add(command);
        cmd.addAll(List.of(options));
        Path log = tmp.resolve(appName.replace(' ', '-') + ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        env.put("SPARK_SUBMIT", sparkSubmit.toString());
        env.put("HADOOP_CONF_DIR", hadoopConf.toString());
        env.put("ADAMIX_DRIVER_OFFHEAP", "256m");
        env.put("ADAMIX_DRIVER_CORES", "1");
        Process p = pb.start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError(appName + " did not end in 10 minutes:\n" + tail(log));
        }
        String output = Files.readString(log);
        List<ApplicationReport> apps =
                client.getApplications().stream().filter(a -> a.getName().equals(appName)).toList();
        assertEquals(1, apps.size(), appName + ": applications " + apps + "\n" + tail(log));
        return new Submission(p.exitValue(), output, apps.get(0));
    }

    static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }

    /** The application master's (the driver's) stderr, from the NodeManager's log folder. */
    static String amLog(String applicationId) throws IOException {
        try (Stream<Path> files = Files.walk(yarn.getTestWorkDir().toPath())) {
            List<Path> stderr =
                    files.filter(
                                    f ->
                                            f.toString().contains(applicationId)
                                                    && f.getParent()
                                                            .getFileName()
                                                            .toString()
                                                            .endsWith("_000001")
                                                    && f.getFileName().toString().equals("stderr"))
                            .toList();
            assertEquals(1, stderr.size(), "AM stderr of " + applicationId + ": " + stderr);
            return Files.readString(stderr.get(0));
        }
    }

    static void assertSucceeded(Submission s) throws IOException {
        String what = s.report().getName();
        assertEquals(
                0,
                s.exit(),
                what + ": spark-submit failed\n" + s.output() + "\ndriver:\n" + safeAmLog(s));
        assertEquals(
                FinalApplicationStatus.SUCCEEDED,
                s.report().getFinalApplicationStatus(),
                what + ": " + s.report().getDiagnostics());
    }

    static String safeAmLog(Submission s) {
        try {
            return s.driverLog();
        } catch (Throwable e) {
            return "(no driver log: " + e + ")";
        }
    }

    /** train's options: the tiny fixture's recipe (2 local steps a round), data as given. */
    static String[] trainArgs(String backbone, String train, String dev, String out) {
        return TinyFixture.trainArgs(backbone, train, dev, out, 2);
    }

    /**
     * train → merge → evaluate → predict, each its own YARN application in cluster mode: every one
     * ends SUCCEEDED with spark-submit exiting 0, the outputs are on HDFS with {@code _SUCCESS},
     * and the trained mixture is bit for bit the one of the same job on a local Spark.
     */
    @Test
    void trainMergeEvaluatePredictInClusterMode() throws Exception {
        String bb = root + "/models/tiny",
                out = root + "/runs/yarn",
                dev = root + "/data/dev.jsonl";
        assertSucceeded(
                submit("it train", "train", trainArgs(bb, root + "/data/train.jsonl", dev, out)));
        for (String f : List.of("/mixture/adapter_model.safetensors", "/summary.json", "/_SUCCESS"))
            assertTrue(exists("/runs/yarn" + f), f);

        assertSucceeded(submit("it merge", "merge", "--model", out, "--backbone", bb));
        assertTrue(exists("/runs/yarn/merged/adapter_model.safetensors"));

        assertSucceeded(
                submit(
                        "it evaluate",
                        "evaluate",
                        "--model",
                        out,
                        "--backbone",
                        bb,
                        "--data",
                        dev,
                        "--max-length",
                        "16"));
        assertTrue(exists("/runs/yarn/eval.json"));

        assertSucceeded(
                submit(
                        "it predict",
                        "predict",
                        "--model",
                        out,
                        "--backbone",
                        bb,
                        "--input",
                        dev,
                        "--max-length",
                        "16",
                        "--output",
                        root + "/predictions/yarn"));
        assertTrue(exists("/predictions/yarn/_SUCCESS"));

        // The same training on local[2] in this JVM: the cluster computes exactly that model.
        Path local = tmp.resolve("local-run");
        JavaSparkContext sc = SparkTests.local2();
        try {
            String[] args =
                    trainArgs(
                            tmp.resolve("tiny").toString(),
                            tmp.resolve("data/train.jsonl").toString(),
                            tmp.resolve("data/dev.jsonl").toString(),
                            local.toString());
            TestData.Run r = TestData.run(new TrainCommand(), args);
            assertEquals(0, r.code(), r.err());
        } finally {
            sc.stop();
        }
        Path fromYarn = tmp.resolve("yarn-mixture.safetensors");
        hdfs.copyToLocalFile(
                new org.apache.hadoop.fs.Path(out + "/mixture/adapter_model.safetensors"),
                new org.apache.hadoop.fs.Path(fromYarn.toUri()));
        Map<String, INDArray> a = Safetensors.read(fromYarn).tensors();
        Map<String, INDArray> b =
                Safetensors.read(local.resolve("mixture/adapter_model.safetensors")).tensors();
        assertEquals(b.keySet(), a.keySet());
        for (String name : a.keySet())
            assertArrayEquals(b.get(name).data().asFloat(), a.get(name).data().asFloat(), name);
    }

    /**
     * Bad input in cluster mode: the application ends FAILED, spark-submit exits non-zero, and the
     * driver's log carries the one line that names the problem; nothing is written.
     */
    @Test
    void badInputFailsTheApplicationWithItsLine() throws Exception {
        String missing = root + "/data/missing.jsonl";
        Submission s =
                submit(
                        "it bad input",
                        "train",
                        trainArgs(
                                root + "/models/tiny",
                                missing,
                                root + "/data/dev.jsonl",
                                root + "/runs/bad"));
        assertNotEquals(0, s.exit(), s.output());
        assertEquals(FinalApplicationStatus.FAILED, s.report().getFinalApplicationStatus());
        String line =
                s.driverLog()
                        .lines()
                        .filter(l -> l.contains("missing.jsonl") && l.contains("exit code 2"))
                        .findFirst()
                        .orElseThrow(() -> new AssertionError("no error line:\n" + safeAmLog(s)));
        assertTrue(line.contains("(bad input)"), line);
        assertTrue(
                s.report().getDiagnostics().contains("missing.jsonl"), s.report().getDiagnostics());
        assertTrue(!exists("/runs/bad"), "nothing is written");
        assertTrue(
                s.output().contains("missing.jsonl"),
                "spark-submit shows the reason:\n" + s.output());
    }
}
