package org.adamix.jobs;

import org.adamix.datasets.DatasetReader;
import org.adamix.datasets.DatasetSpec;
import org.adamix.datasets.Format;
import org.adamix.datasets.LabelList;
import org.adamix.jobs.cli.TrainCommand;
import org.adamix.jobs.data.BatchMaker;
import org.adamix.jobs.data.ExampleEncoder;
import org.adamix.jobs.data.ShardOrder;
import org.adamix.jobs.data.TokenizedExample;
import org.adamix.jobs.spark.BackboneSource;
import org.adamix.jobs.train.TrainJob;
import org.adamix.jobs.train.WorkerResult;
import org.adamix.model.AdaMixModel;
import org.adamix.model.AdaptationConfig;
import org.adamix.model.HeadConfig;
import org.adamix.model.Method;
import org.adamix.model.OptimizerConfig;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Spark loop is the in-process loop (bit for bit), averages are what they say, and resuming changes nothing. */
class EquivalenceAndResumeTest {
    static JavaSparkContext sc;
    @TempDir
    static Path tmp;
    static Path train;

    @BeforeAll
    static void start() throws Exception {
        sc = SparkTests.local2();
        train = TestData.imdb("train", 16, tmp.resolve("data"));
    }

    @AfterAll
    static void stop() {
        if (sc != null) sc.stop();
    }

    static String[] args(Path out, int workers, int localSteps, String... more) {
        List<String> a = new ArrayList<>(List.of("--backbone", TestData.minilm().toString(), "--train", train.toString(),
                "--labels", "neg,pos", "--method", "adamix-adapter", "--rank", "4", "--experts", "2", "--batch-size", "4",
                "--epochs", "2", "--lr", "1e-3", "--max-length", "24", "--seed", "7", "--workers", "" + workers, "--head", "mean",
                "--local-steps", "" + localSteps, "--output", out.toString()));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    static TrainJob.Result train(Path out, int workers, int localSteps, String... more) {
        TrainCommand cmd = new TrainCommand();
        TestData.Run r = TestData.run(cmd, args(out, workers, localSteps, more));
        assertEquals(0, r.code(), r.err());
        return cmd.result();
    }

    @Test
    void oneWorkerWithOneLocalStepIsTheInProcessLoop() throws Exception {
        TrainJob.Result spark = train(tmp.resolve("one"), 1, 1);
        try (BackboneSource bb = BackboneSource.open(TestData.minilm().toString(), new Configuration())) {
            DatasetSpec spec = DatasetSpec.builder(Format.JSONL).text("text").label("label").labels(LabelList.of("neg", "pos")).build();
            ExampleEncoder enc = new ExampleEncoder(bb.tokenizer(), 24);
            List<TokenizedExample> all = new ArrayList<>();
            try (DatasetReader r = DatasetReader.open(spec, new Configuration(), train.toString())) {
                while (r.hasNext()) all.add(enc.encode(r.next()));
            }
            all.sort(Comparator.comparing(TokenizedExample::id));
            int stepsPerEpoch = (all.size() + 3) / 4;
            HeadConfig head = HeadConfig.classification(2).withPooling(HeadConfig.Pooling.MEAN);
            AdaMixModel m = AdaMixModel.build(bb.backbone(), AdaptationConfig.of(Method.ADAMIX_ADAPTER, 4).withExperts(2)
                            .withSharing(false, true).withConsistencyWeight(1.0), head,
                    new OptimizerConfig(1e-3, 0.1, 0.06, 2L * stepsPerEpoch, 0.9, 0.999, 1e-8, 1.0), 7);
            for (int epoch = 0; epoch < 2; epoch++) {
                int[] order = ShardOrder.permutation(all.size(), 7, epoch, 0);
                for (int s = 0; s < stepsPerEpoch; s++) m.fit(BatchMaker.of(ShardOrder.batch(all, order, s, 4), head, true));
            }
            assertEquals(2 * stepsPerEpoch, spark.totalRounds());
            assertArrayEquals(m.trainableParams().dup().data().asFloat(), spark.weights().params());
            assertArrayEquals(m.updaterState().dup().data().asFloat(), spark.weights().state());
            assertEquals(m.step(), spark.weights().step());
        }
    }

    @Test
    void twoWorkersAverageIsTheExampleWeightedMean() {
        TrainJob.Result r = train(tmp.resolve("two"), 2, 3); // one round per epoch: both workers train in it
        List<WorkerResult> ws = new ArrayList<>(r.lastWorkers());
        ws.sort(Comparator.comparingInt(WorkerResult::worker));
        assertEquals(2, ws.size());
        WorkerResult a = ws.get(0), b = ws.get(1);
        assertTrue(a.examples() > 0 && b.examples() > 0);
        float[] p = new float[a.params().length];
        for (int i = 0; i < p.length; i++)
            p[i] = (float) (((double) a.examples() * a.params()[i] + (double) b.examples() * b.params()[i]) / (a.examples() + b.examples()));
        assertArrayEquals(p, r.weights().params());
        assertFalse(java.util.Arrays.equals(a.params(), b.params()), "the workers saw different shards");
        assertFalse(r.traffic().isEmpty(), "no traffic recorded"); // allMatch holds on an empty list
        assertTrue(r.traffic().stream().allMatch(t -> t.withinBudget()), r.traffic().toString());
    }

    @Test
    void resumedRunEndsWithTheWeightsOfAnUninterruptedOne() throws Exception {
        TrainJob.Result full = train(tmp.resolve("full"), 2, 1);
        Path out = tmp.resolve("interrupted");
        TrainJob.Result part = train(out, 2, 1, "--max-rounds", "3");
        assertFalse(part.complete());
        assertFalse(Files.exists(out.resolve("_SUCCESS")));
        TrainCommand again = new TrainCommand();
        TestData.Run fresh = TestData.run(again, args(out, 2, 1));
        assertEquals(2, fresh.code(), "a non-empty output without --resume is refused");
        TrainJob.Result resumed = train(out, 2, 1, "--resume");
        assertTrue(resumed.complete());
        assertTrue(Files.exists(out.resolve("_SUCCESS")));
        assertArrayEquals(full.weights().params(), resumed.weights().params());
        assertArrayEquals(full.weights().state(), resumed.weights().state());
    }
}
