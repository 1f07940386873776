package org.adamix.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.adamix.jobs.cli.TrainCommand;
import org.adamix.jobs.spark.SparkTraffic;
import org.adamix.jobs.train.Traffic;
import org.adamix.jobs.train.TrainJob;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The round's reduction runs on executors: the bytes the driver receives per round (Spark's task
 * result sizes, as its listener reports them) do not grow with the number of workers. Executor JVMs
 * ({@code local-cluster}), the tiny random backbone, two rounds.
 */
class AggregationBytesTest {
    @TempDir Path tmp;

    record Measured(SparkTraffic.Totals lastRound, long estimatedUp, JsonNode metricsRow) {}

    Measured run(int workers, Path backbone, Path data) throws Exception {
        JavaSparkContext sc =
                new JavaSparkContext(
                        LocalClusterTest.clusterConf()
                                .setMaster("local-cluster[" + workers + ",1,1024]"));
        try {
            Path out = tmp.resolve("w" + workers);
            TrainCommand cmd = new TrainCommand();
            TestData.Run r =
                    TestData.run(
                            cmd,
                            "--backbone",
                            backbone.toString(),
                            "--train",
                            data.toString(),
                            "--labels",
                            "neg,pos",
                            "--method",
                            "adamix-adapter",
                            "--rank",
                            "16",
                            "--experts",
                            "4",
                            "--workers",
                            "" + workers,
                            "--batch-size",
                            "4",
                            "--local-steps",
                            "1",
                            "--epochs",
                            "1",
                            "--max-rounds",
                            "2",
                            "--max-length",
                            "16",
                            "--output",
                            out.toString());
            assertEquals(0, r.code(), r.err());
            TrainJob.Result res = cmd.result();
            assertEquals(2, res.traffic().size());
            for (Traffic t : res.traffic()) {
                // the leaves' stage (one task per worker) and the tree's one reducer: Spark saw
                // them all
                assertTrue(t.measured().tasks() >= workers + 1, t.toString());
                assertTrue(
                        t.measured().resultBytes() > 0 && t.measured().shuffleWriteBytes() > 0,
                        t.toString());
                assertTrue(
                        t.measured().broadcastBytes() > 0,
                        "the weights broadcast as the driver stored it: " + t);
            }
            assertEquals(workers, res.lastWorkers().size());
            String[] lines =
                    Files.readString(
                                    out.resolve("checkpoints").getParent().resolve("metrics.jsonl"))
                            .split("\n");
            return new Measured(
                    res.traffic().get(1).measured(),
                    res.traffic().get(1).estimatedUp(),
                    new ObjectMapper().readTree(lines[1]));
        } finally {
            sc.stop();
        }
    }

    @Test
    void driverReceivesAsManyBytesPerRoundWithFourWorkersAsWithTwo() throws Exception {
        Path backbone = TinyFixture.backbone(tmp.resolve("tiny-bert"));
        Path data = TinyFixture.data(tmp.resolve("data/train.jsonl"), "t-", 64, 1);
        Measured two = run(2, backbone, data), four = run(4, backbone, data);
        long b2 = two.lastRound().resultBytes(), b4 = four.lastRound().resultBytes();
        // estimatedUp: the workers' Java-serialized leaves, what the driver used to receive (plus
        // per-task overhead)
        System.out.printf(
                "AGGREGATION bytes per round: 2 workers %s, leaves %d%n                             4 workers %s, leaves %d%n",
                two.lastRound(), two.estimatedUp(), four.lastRound(), four.estimatedUp());
        assertTrue(
                Math.abs(b4 - b2) <= 0.05 * b2,
                "driver received " + b2 + " B with 2 workers, " + b4 + " B with 4");
        assertTrue(
                four.lastRound().broadcastFetchedBytes() > 0,
                "executors fetched the weights: " + four.lastRound());
        assertEquals(
                b4,
                four.metricsRow().get("bytes_to_driver").asLong(),
                "metrics.jsonl reports Spark's number");
    }
}
