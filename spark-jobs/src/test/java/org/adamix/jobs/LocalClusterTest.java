package org.adamix.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.adamix.jobs.cli.TrainCommand;
import org.adamix.jobs.train.TrainJob;
import org.adamix.jobs.train.WorkerFacts;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two executor JVMs ({@code local-cluster[2,1,1024]}): broadcast and aggregate cross process
 * boundaries, and the result is bit for bit the one of the same job on local[2], also when an
 * executor is killed.
 */
class LocalClusterTest {
    @TempDir Path tmp;

    static final String OPENS =
            "-XX:+IgnoreUnrecognizedVMOptions --add-modules=jdk.incubator.vector --add-opens=java.base/java.lang=ALL-UNNAMED "
                    + "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED "
                    + "--add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED "
                    + "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED "
                    + "--add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED";

    TrainJob.Result train(Path out, Path data) {
        TrainCommand cmd = new TrainCommand();
        TestData.Run r =
                TestData.run(
                        cmd,
                        "--backbone",
                        TestData.minilm().toString(),
                        "--train",
                        data.toString(),
                        "--labels",
                        "neg,pos",
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
                        out.toString());
        assertEquals(0, r.code(), r.err());
        return cmd.result();
    }

    /** The same job on local[2]: the reference result. */
    TrainJob.Result onLocal2(Path data) {
        JavaSparkContext local = SparkTests.local2();
        try {
            return train(tmp.resolve("local"), data);
        } finally {
            local.stop();
        }
    }

    static SparkConf clusterConf() throws Exception {
        Path sparkHome =
                Files.createDirectories(Path.of("target/spark-home/jars"))
                        .getParent()
                        .toAbsolutePath();
        return new SparkConf()
                .setMaster("local-cluster[2,1,1024]")
                .setAppName("adamix-local-cluster")
                .set("spark.ui.enabled", "false")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.home", sparkHome.toString())
                .set("spark.executor.extraClassPath", System.getProperty("java.class.path"))
                .set(
                        "spark.executor.extraJavaOptions",
                        OPENS + " -Djdk.reflect.useDirectMethodHandle=false")
                .set("spark.executorEnv.OMP_NUM_THREADS", "1");
    }

    /**
     * kill -9 of one of this test's executor JVMs while it runs a task of round 3 (of at least 4):
     * Spark reports the task failed (executor lost), relaunches the executor and retries the task,
     * which reproduces its result (deterministic in round weights, shard, round and seed), so the
     * job ends with exactly the fault-free weights and Adam state.
     */
    @Test
    void executorKilledMidRunStillEndsWithTheFaultFreeWeights() throws Exception {
        Path data = TestData.imdb("train", 64, tmp.resolve("data"));
        TrainJob.Result expected = onLocal2(data);
        assertTrue(expected.roundsDone() >= 4, "rounds: " + expected.roundsDone());
        JavaSparkContext sc = new JavaSparkContext(clusterConf());
        Path out = tmp.resolve("killed");
        KillOnTaskStart killer = new KillOnTaskStart(out.resolve("checkpoints/round-000002"));
        sc.sc().addSparkListener(killer);
        try {
            TrainJob.Result r = train(out, data);
            assertTrue(killer.killedPid > 0, "no executor JVM was killed");
            // the listener saw the killed task fail and a later attempt of it succeed
            List<TaskEnd> failed = killer.ends.stream().filter(e -> !e.success()).toList();
            assertFalse(failed.isEmpty(), "no task failed: " + killer.ends);
            // a later successful end of the same stage's partition: Spark may first retry in the
            // same stage attempt and, when the lost executor held shuffle output, resubmit the
            // stage (task attempt numbers then start again), so order, not attempt number, counts
            for (TaskEnd f : failed) {
                int at = killer.ends.indexOf(f);
                assertTrue(
                        killer.ends.subList(at + 1, killer.ends.size()).stream()
                                .anyMatch(
                                        e ->
                                                e.success()
                                                        && e.stage() == f.stage()
                                                        && e.partition() == f.partition()),
                        "no successful retry of " + f + " in " + killer.ends);
            }
            assertTrue(
                    failed.stream().anyMatch(f -> f.reason().contains("ExecutorLostFailure")),
                    failed.toString());
            assertArrayEquals(expected.weights().params(), r.weights().params());
            assertArrayEquals(expected.weights().state(), r.weights().state());
        } finally {
            sc.stop();
        }
    }

    record TaskEnd(int stage, int partition, int attempt, boolean success, String reason) {}

    /**
     * Once {@code after} exists (round 2 is checkpointed), kills the executor JVM that starts the
     * next task: a descendant of this JVM ({@code local-cluster} executors are its children), found
     * by its executor id.
     */
    static final class KillOnTaskStart extends org.apache.spark.scheduler.SparkListener {
        final Path after;
        final List<TaskEnd> ends = new java.util.concurrent.CopyOnWriteArrayList<>();
        volatile long killedPid = -1;

        KillOnTaskStart(Path after) {
            this.after = after;
        }

        @Override
        public void onTaskStart(org.apache.spark.scheduler.SparkListenerTaskStart start) {
            if (killedPid > 0 || !Files.isDirectory(after)) return;
            String id = "--executor-id\0" + start.taskInfo().executorId() + "\0";
            ProcessHandle.current()
                    .descendants()
                    .filter(p -> cmdline(p.pid()).contains("CoarseGrainedExecutorBackend"))
                    .filter(p -> cmdline(p.pid()).contains(id))
                    .findFirst()
                    .ifPresent(
                            p -> {
                                killedPid = p.pid();
                                p.destroyForcibly();
                            });
        }

        @Override
        public void onTaskEnd(org.apache.spark.scheduler.SparkListenerTaskEnd end) {
            boolean ok = end.reason() instanceof org.apache.spark.Success$;
            ends.add(
                    new TaskEnd(
                            end.stageId(),
                            // the partition, not the index in the task set: a resubmitted
                            // stage runs only its missing partitions, renumbered from 0
                            end.taskInfo().partitionId(),
                            end.taskInfo().attemptNumber(),
                            ok,
                            ok ? "" : end.reason().toString()));
        }
    }

    /**
     * /proc/PID/cmdline (ProcessHandle.Info drops very long command lines such as the executors').
     */
    static String cmdline(long pid) {
        try {
            return new String(
                    Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")),
                    java.nio.charset.StandardCharsets.UTF_8);
        } catch (Exception e) {
            return "";
        }
    }

    @Test
    void twoExecutorJvmsGiveTheLocalResult() throws Exception {
        Path data = TestData.imdb("train", 16, tmp.resolve("data"));
        TrainJob.Result expected = onLocal2(data);
        JavaSparkContext sc = new JavaSparkContext(clusterConf());
        try {
            TrainJob.Result r = train(tmp.resolve("cluster"), data);
            Set<String> jvms =
                    r.lastWorkers().stream().map(WorkerFacts::jvm).collect(Collectors.toSet());
            assertEquals(2, jvms.size(), "two executor JVMs: " + jvms);
            assertFalse(
                    jvms.contains(ManagementFactory.getRuntimeMXBean().getName()),
                    "not the driver");
            assertArrayEquals(expected.weights().params(), r.weights().params());
            assertArrayEquals(expected.weights().state(), r.weights().state());
        } finally {
            sc.stop();
        }
    }
}
