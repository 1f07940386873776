package org.adamix.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.adamix.datasets.DatasetReader;
import org.adamix.datasets.DatasetSpec;
import org.adamix.datasets.Format;
import org.adamix.datasets.LabelList;
import org.adamix.datasets.Sharding;
import org.adamix.jobs.cli.TrainCommand;
import org.adamix.jobs.data.BatchMaker;
import org.adamix.jobs.data.ExampleEncoder;
import org.adamix.jobs.data.ShardOrder;
import org.adamix.jobs.data.TokenizedExample;
import org.adamix.jobs.spark.BackboneSource;
import org.adamix.jobs.spark.ModelSpec;
import org.adamix.jobs.spark.ShippedBackbone;
import org.adamix.jobs.spark.Weights;
import org.adamix.jobs.train.RoundPlan;
import org.adamix.jobs.train.TrainJob;
import org.adamix.jobs.train.WorkerFacts;
import org.adamix.jobs.train.WorkerResult;
import org.adamix.jobs.train.WorkerRound;
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

/**
 * The Spark loop is the in-process loop (bit for bit), averages are what they say, and resuming
 * changes nothing.
 */
class EquivalenceAndResumeTest {
    static JavaSparkContext sc;
    @TempDir static Path tmp;
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
        List<String> a =
                new ArrayList<>(
                        List.of(
                                "--backbone",
                                TestData.minilm().toString(),
                                "--train",
                                train.toString(),
                                "--labels",
                                "neg,pos",
                                "--method",
                                "adamix-adapter",
                                "--rank",
                                "4",
                                "--experts",
                                "2",
                                "--batch-size",
                                "4",
                                "--epochs",
                                "2",
                                "--lr",
                                "1e-3",
                                "--max-length",
                                "24",
                                "--seed",
                                "7",
                                "--workers",
                                "" + workers,
                                "--head",
                                "mean",
                                "--local-steps",
                                "" + localSteps,
                                "--output",
                                out.toString()));
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
        try (BackboneSource bb =
                BackboneSource.open(TestData.minilm().toString(), new Configuration())) {
            DatasetSpec spec =
                    DatasetSpec.builder(Format.JSONL)
                            .text("text")
                            .label("label")
                            .labels(LabelList.of("neg", "pos"))
                            .build();
            ExampleEncoder enc = new ExampleEncoder(bb.tokenizer(), 24);
            List<TokenizedExample> all = new ArrayList<>();
            try (DatasetReader r =
                    DatasetReader.open(spec, new Configuration(), train.toString())) {
                while (r.hasNext()) all.add(enc.encode(r.next()));
            }
            all.sort(Comparator.comparing(TokenizedExample::id));
            int stepsPerEpoch = (all.size() + 3) / 4;
            HeadConfig head =
                    HeadConfig.classification(2)
                            .withPooling(HeadConfig.Pooling.MEAN); // the CLI default --head mean
            AdaMixModel m =
                    AdaMixModel.build(
                            bb.backbone(),
                            AdaptationConfig.of(Method.ADAMIX_ADAPTER, 4)
                                    .withExperts(2)
                                    .withSharing(false, true)
                                    .withConsistencyWeight(1.0),
                            head,
                            new OptimizerConfig(
                                    1e-3, 0.1, 0.06, 2L * stepsPerEpoch, 0.9, 0.999, 1e-8, 1.0),
                            7);
            for (int epoch = 0; epoch < 2; epoch++) {
                int[] order = ShardOrder.permutation(all.size(), 7, epoch, 0);
                for (int s = 0; s < stepsPerEpoch; s++)
                    m.fit(BatchMaker.of(ShardOrder.batch(all, order, s, 4), head, true));
            }
            assertEquals(2 * stepsPerEpoch, spark.totalRounds());
            assertArrayEquals(m.trainableParams().dup().data().asFloat(), spark.weights().params());
            assertArrayEquals(m.updaterState().dup().data().asFloat(), spark.weights().state());
            assertEquals(m.step(), spark.weights().step());
        }
    }

    /**
     * Two workers, three local steps: the Spark job (tree reduction on executors) ends with the
     * weights of an in-process loop that runs each worker's rounds itself and takes the
     * example-weighted mean the way the driver used to, {@code (0 + n_a*x_a + n_b*x_b) / (n_a +
     * n_b)} in double, bit for bit.
     */
    @Test
    void twoWorkersAverageIsTheExampleWeightedMean() throws Exception {
        TrainJob.Result r = train(tmp.resolve("two"), 2, 3);
        try (BackboneSource bb =
                BackboneSource.open(TestData.minilm().toString(), new Configuration())) {
            DatasetSpec spec =
                    DatasetSpec.builder(Format.JSONL)
                            .text("text")
                            .label("label")
                            .labels(LabelList.of("neg", "pos"))
                            .build();
            ExampleEncoder enc = new ExampleEncoder(bb.tokenizer(), 24);
            List<List<TokenizedExample>> shards = List.of(new ArrayList<>(), new ArrayList<>());
            try (DatasetReader rd =
                    DatasetReader.open(spec, new Configuration(), train.toString())) {
                while (rd.hasNext()) {
                    TokenizedExample e = enc.encode(rd.next());
                    shards.get(Sharding.shardOf(e.id(), 7, 2)).add(e);
                }
            }
            shards.forEach(s -> s.sort(Comparator.comparing(TokenizedExample::id)));
            RoundPlan plan =
                    RoundPlan.of(2, Math.max(shards.get(0).size(), shards.get(1).size()), 4, 3);
            HeadConfig head =
                    HeadConfig.classification(2)
                            .withPooling(HeadConfig.Pooling.MEAN); // the CLI default --head mean
            ModelSpec ms =
                    new ModelSpec(
                            AdaptationConfig.of(Method.ADAMIX_ADAPTER, 4)
                                    .withExperts(2)
                                    .withSharing(false, true)
                                    .withConsistencyWeight(1.0),
                            head,
                            new OptimizerConfig(
                                    1e-3, 0.1, 0.06, plan.totalSteps(), 0.9, 0.999, 1e-8, 1.0),
                            7);
            ShippedBackbone shipped = ShippedBackbone.of(bb.backbone(), bb.tokenizerFiles());
            WorkerRound worker = new WorkerRound(ms, 4, 7);
            Weights w =
                    new Weights(Weights.flat(ms.build(bb.backbone()).trainableParams()), null, 0);
            boolean differed = false;
            for (RoundPlan.Round round : plan.rounds()) {
                WorkerResult a = worker.run(0, shards.get(0).iterator(), w, round, shipped);
                WorkerResult b = worker.run(1, shards.get(1).iterator(), w, round, shipped);
                assertTrue(
                        a.examples() > 0 && b.examples() > 0, "both workers train in every round");
                differed |= !java.util.Arrays.equals(a.params(), b.params());
                w =
                        new Weights(
                                mean(a, b, a.params(), b.params()),
                                mean(a, b, a.state(), b.state()),
                                round.globalStepStart() + round.steps());
            }
            assertTrue(differed, "the workers saw different shards");
            assertEquals(plan.rounds().size(), r.totalRounds());
            assertArrayEquals(w.params(), r.weights().params());
            assertArrayEquals(w.state(), r.weights().state());
            assertEquals(List.of(0, 1), r.lastWorkers().stream().map(WorkerFacts::worker).toList());
        }
        assertFalse(
                r.traffic().isEmpty(), "no traffic recorded"); // allMatch holds on an empty list
        assertTrue(r.traffic().stream().allMatch(t -> t.withinBudget()), r.traffic().toString());
    }

    private static float[] mean(WorkerResult a, WorkerResult b, float[] x, float[] y) {
        float[] p = new float[x.length];
        for (int i = 0; i < p.length; i++)
            p[i] =
                    (float)
                            ((0.0 + (double) a.examples() * x[i] + (double) b.examples() * y[i])
                                    / (a.examples() + b.examples()));
        return p;
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

    /** --recompute trades time for memory only: the same weights and Adam state, bit for bit. */
    @Test
    void recomputingActivationsChangesNoBit() throws Exception {
        TrainJob.Result plain = train(tmp.resolve("plain"), 2, 1);
        TrainJob.Result recomputed = train(tmp.resolve("recomputed"), 2, 1, "--recompute");
        assertArrayEquals(plain.weights().params(), recomputed.weights().params());
        assertArrayEquals(plain.weights().state(), recomputed.weights().state());
    }
}
