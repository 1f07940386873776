package org.adamix.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import org.adamix.jobs.cli.CompareCommand;
import org.adamix.jobs.compare.CompareJob;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * compare on two executor JVMs ({@code local-cluster[2,1,1024]}): data and backbone broadcasts, run
 * files written by executors, and the same scores as the same grid on local[2].
 */
class CompareLocalClusterTest {
    @TempDir Path tmp;

    CompareJob.Result compare(Path backbone, Path train, Path dev, Path out) {
        CompareCommand cmd = new CompareCommand();
        TestData.Run r =
                TestData.run(
                        cmd,
                        "--backbone",
                        backbone.toString(),
                        "--train",
                        train.toString(),
                        "--dev",
                        dev.toString(),
                        "--methods",
                        "lora,adamix-adapter",
                        "--seeds",
                        "1",
                        "--epochs",
                        "2",
                        "--batch-size",
                        "8",
                        "--max-length",
                        "16",
                        "--rank",
                        "4",
                        "--experts",
                        "2",
                        "--lr",
                        "1e-2",
                        "--output",
                        out.toString());
        assertEquals(0, r.code(), r.err());
        return cmd.result();
    }

    @Test
    void twoExecutorJvmsGiveTheLocalScores() throws Exception {
        Path backbone = TinyFixture.backbone(tmp.resolve("tiny-bert"));
        Path train = TinyFixture.data(tmp.resolve("data/train.jsonl"), "train-", 32, 1);
        Path dev = TinyFixture.data(tmp.resolve("data/dev.jsonl"), "dev-", 16, 2);
        CompareJob.Result local;
        JavaSparkContext sc = SparkTests.local2();
        try {
            local = compare(backbone, train, dev, tmp.resolve("local"));
        } finally {
            sc.stop();
        }
        sc = new JavaSparkContext(LocalClusterTest.clusterConf());
        try {
            CompareJob.Result cluster = compare(backbone, train, dev, tmp.resolve("cluster"));
            assertEquals(
                    List.of("lora-lr0.01-seed42", "adamix-adapter-lr0.01-seed42"),
                    cluster.ranNow().stream().sorted(java.util.Comparator.reverseOrder()).toList());
            ObjectMapper json = new ObjectMapper();
            JsonNode a = json.readTree(tmp.resolve("local/compare.json").toFile()),
                    b = json.readTree(tmp.resolve("cluster/compare.json").toFile());
            assertEquals(a.get("summary"), b.get("summary"));
            for (int i = 0; i < 2; i++)
                for (String k :
                        List.of("method", "dev", "dev_by_epoch", "best_epoch", "merged_parameters"))
                    assertEquals(a.get("runs").get(i).get(k), b.get("runs").get(i).get(k), k);
        } finally {
            sc.stop();
        }
    }
}
