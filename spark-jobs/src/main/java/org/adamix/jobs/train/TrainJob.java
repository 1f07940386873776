package org.adamix.jobs.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.adamix.jobs.data.ShardedData;
import org.adamix.jobs.data.TokenizedExample;
import org.adamix.jobs.eval.Prediction;
import org.adamix.jobs.eval.Predictor;
import org.adamix.jobs.eval.Scores;
import org.adamix.jobs.spark.ExecutorModels;
import org.adamix.jobs.spark.FsPaths;
import org.adamix.jobs.spark.HadoopConf;
import org.adamix.jobs.spark.ModelSpec;
import org.adamix.jobs.spark.OutputLock;
import org.adamix.jobs.spark.Sessions;
import org.adamix.jobs.spark.SparkTraffic;
import org.adamix.jobs.spark.ShippedBackbone;
import org.adamix.jobs.spark.Weights;
import org.adamix.model.AdaMixModel;
import org.adamix.model.HeadConfig;
import org.adamix.model.io.AdapterCheckpoint;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The driver's loop. Executors read, tokenize and cache the shards; then each round the driver
 * broadcasts {@link Weights}, every partition runs {@link WorkerRound} once, executors add the results
 * up in a fixed-order tree ({@link RoundTree}), the driver receives the one total and divides
 * ({@link RoundSum#average}), logs metrics and Spark's count of the bytes moved ({@link SparkTraffic}),
 * and checkpoints. After the last round it writes the final files and {@code _SUCCESS} last.
 */
public final class TrainJob {
    private static final Logger LOG = LoggerFactory.getLogger(TrainJob.class);
    public static final String SUCCESS = "_SUCCESS";

    private final TrainSetup setup;
    private final Sessions session;

    /** What a run ended with (tests and benchmarks look inside). */
    public record Result(Weights weights, int roundsDone, int totalRounds, boolean complete, List<WorkerFacts> lastWorkers,
                         RoundAverage lastAverage, List<Traffic> traffic, Map<String, Double> dev, double examplesPerSecond,
                         long trainableParams, long allParams, int workers, Path output) {
        public String summaryLine() {
            Traffic t = traffic.isEmpty() ? null : traffic.get(traffic.size() - 1);
            return String.format("%s: %d/%d rounds on %d workers, %.1f examples/s, dev %s; the driver sent and received %s "
                            + "per round (full-parameter averaging: %s)%s", complete ? "done" : "stopped", roundsDone, totalRounds,
                    workers, examplesPerSecond, dev, t == null ? "-" : mb(t.driverBytes()),
                    t == null ? "-" : mb(2 * t.fullParameter()), complete ? "" : " — continue with --resume");
        }
    }

    public TrainJob(TrainSetup setup, Sessions session) {
        this.setup = setup;
        this.session = session;
    }

    /** Trains while holding the output's {@link OutputLock}, released however the run ends. */
    public Result run() throws IOException {
        JavaSparkContext sc = session.sc();
        try (OutputLock lock = OutputLock.acquire(setup.output, setup.conf, sc.sc().applicationId(), setup.cmd.breakLock)) {
            setup.recheckOutput();
            return train(sc);
        }
    }

    private Result train(JavaSparkContext sc) throws IOException {
        TrainCommandView c = new TrainCommandView(setup);
        int workers = c.workers != null ? c.workers : sc.defaultParallelism();
        HadoopConf hconf = new HadoopConf(sc.hadoopConfiguration());
        if (session.localMode()) ExecutorModels.register(setup.backbone.backbone());
        Broadcast<ShippedBackbone> shipped = sc.broadcast(ShippedBackbone.of(setup.backbone.backbone(), setup.backbone.tokenizerFiles()));

        sc.setJobDescription("reading and tokenizing training data into " + workers + " shards");
        JavaRDD<TokenizedExample> train = ShardedData.load(sc, setup.trainSpec, hconf, setup.trainFiles, shipped, c.maxLength, c.seed, workers);
        List<Long> sizes = train.mapPartitions(it -> {
            long n = 0;
            for (; it.hasNext(); it.next()) n++;
            return Collections.singletonList(n).iterator();
        }, true).collect();
        long largest = Collections.max(sizes);
        long total = sizes.stream().mapToLong(Long::longValue).sum();
        JavaRDD<TokenizedExample> dev = null;
        if (!setup.devFiles.isEmpty()) {
            sc.setJobDescription("reading and tokenizing dev data");
            dev = ShardedData.load(sc, setup.devSpec, hconf, setup.devFiles, shipped, c.maxLength, c.seed, workers);
            dev.count();
        }
        RoundPlan plan = RoundPlan.of(c.epochs, largest, c.batchSize, c.localSteps);
        HeadConfig head = setup.head.regression()
                ? TrainSetup.scaledFor(setup.head, train.map(TokenizedExample::label).collect().stream().mapToDouble(Double::doubleValue).toArray())
                : setup.head;
        ModelSpec spec = setup.modelSpec(plan.totalSteps(), head);
        AdaMixModel driverModel = spec.build(setup.backbone.backbone());
        ObjectNode identity = setup.runIdentity(workers);
        LOG.info("{} training examples in {} shards {}; {} rounds of up to {} steps ({} steps/epoch, {} epochs)",
                total, workers, sizes, plan.rounds().size(), c.localSteps, plan.stepsPerEpoch(), c.epochs);

        Checkpoints checkpoints = new Checkpoints(setup.output, setup.conf);
        BestRound best = BestRound.of(setup.cmd.selectBy, setup.head.regression(), dev != null);
        Weights weights = new Weights(Weights.flat(driverModel.trainableParams()), null, 0);
        MetricsLog metrics = new MetricsLog();
        int start = 0;
        if (setup.resuming) {
            if (setup.conf != null && FsPaths.fs(setup.output, setup.conf).exists(new Path(setup.output, SUCCESS)))
                LOG.info("{} already holds a finished run; finishing files again", setup.output);
            Checkpoints.Restored r = checkpoints.latest(setup.backbone.backbone(), identity, plan.rounds().size());
            if (r != null) {
                weights = r.weights();
                start = r.roundsDone();
                metrics = r.metrics();
                LOG.info("resuming after round {} (global step {})", start, weights.step());
                if (best != null) checkpoints.restoreBest(setup.backbone.backbone(), best);
            }
        }
        FsPaths.fs(setup.output, setup.conf).mkdirs(setup.output);

        WorkerRound worker = new WorkerRound(spec, c.batchSize, c.seed, setup.cmd.groupByLength);
        List<Traffic> traffic = new ArrayList<>();
        SparkTraffic listener = SparkTraffic.register(sc);
        String tagPrefix = "train-" + UUID.randomUUID() + "-round-";
        List<WorkerFacts> lastWorkers = List.of();
        RoundAverage lastAverage = null;
        Map<String, Double> devScores = null;
        double exampleSeconds = 0, examples = 0;
        int end = plan.rounds().size();
        if (c.maxRounds != null) end = Math.min(end, c.maxRounds);
        int done = start;
        try {
            for (int r = start; r < end; r++) {
                RoundPlan.Round round = plan.rounds().get(r);
                sc.setJobDescription(String.format("round %d/%d, epoch %d/%d", r + 1, plan.rounds().size(), round.epoch() + 1, c.epochs));
                long t0 = System.nanoTime();
                Broadcast<Weights> bw = sc.broadcast(weights);
                String tag = tagPrefix + (r + 1);
                RoundSum sum;
                try {
                    SparkTraffic.tag(sc, tag);
                    JavaRDD<RoundSum> leaves = train.mapPartitionsWithIndex((i, it) -> Collections.singletonList(
                            RoundSum.of(worker.run(i, it, bw.value(), round, shipped.value()))).iterator(), true);
                    sum = RoundTree.reduce(sc, leaves);
                } finally {
                    SparkTraffic.tag(sc, null);
                }
                RoundAverage avg = sum.average(weights.params(), weights.state());
                double seconds = (System.nanoTime() - t0) / 1e9;
                // one job per round: its end reaches the listener moments after collect returned
                SparkTraffic.Totals measured = listener.await(tag, 1, 10_000).withBroadcast(listener.broadcast(bw.id()));
                listener.forget(tag, bw.id());
                long stateValues = avg.state() == null ? 0 : avg.state().length;
                // what one worker sends: its leaf, float weights and state (sizes of the average's vectors)
                long leafBytes = Traffic.serializedSize(RoundSum.of(new WorkerResult(0, avg.params(), avg.state(), 1, 0, 0, "", 0, 0)));
                Traffic t = Traffic.of(measured, Traffic.serializedSize(weights), leafBytes, workers, avg.params().length,
                        Math.max(stateValues, 2L * avg.params().length), setup.allParams);
                bw.destroy();
                if (!t.withinBudget())
                    LOG.warn("round {}: an estimated {} down / {} up, more than {}x the budget {}", r + 1, t.estimatedDown(),
                            t.estimatedUp(), Traffic.TOLERANCE, t.budget());
                traffic.add(t);
                weights = new Weights(avg.params(), avg.state(), round.globalStepStart() + round.steps());
                lastWorkers = sum.workers();
                for (WorkerFacts w : lastWorkers)
                    LOG.debug("round {} worker {} on {}: {} examples, {} steps, {} s, {} models built there", r + 1, w.worker(), w.jvm(),
                            w.examples(), w.steps(), String.format("%.2f", w.nanos() / 1e9), w.modelsBuiltInJvm());
                lastAverage = avg;
                examples += avg.examples();
                exampleSeconds += seconds;

                ObjectNode row = metrics.newRow();
                row.put("round", r + 1);
                row.put("epoch", round.epoch() + 1);
                row.put("step", weights.step());
                row.put("loss", avg.meanLoss());
                row.put("examples", avg.examples());
                row.put("seconds", seconds);
                row.put("examples_per_s", avg.examples() / seconds);
                row.put("bytes_to_driver", measured.resultBytes());
                row.put("bytes_broadcast", measured.broadcastBytes());
                row.put("bytes_broadcast_fetched", measured.broadcastFetchedBytes());
                row.put("bytes_shuffle_write", measured.shuffleWriteBytes());
                row.put("bytes_shuffle_read", measured.shuffleReadBytes());
                row.put("spark_tasks", measured.tasks());
                row.put("estimated_bytes_down", t.estimatedDown());
                row.put("estimated_bytes_up", t.estimatedUp());
                row.put("bytes_budget", t.budget());
                row.put("bytes_full_parameter", 2 * t.fullParameter());
                boolean epochEnd = round.lastOfEpoch(plan.stepsPerEpoch());
                if (epochEnd && dev != null) {
                    sc.setJobDescription(String.format("dev evaluation after epoch %d/%d", round.epoch() + 1, c.epochs));
                    devScores = evaluate(sc, dev, spec, weights, shipped, c.batchSize * 2);
                    devScores.forEach((k, v) -> row.put("dev_" + k, v));
                    if (best != null && best.offer(devScores, weights, r + 1, round.epoch() + 1))
                        checkpoints.saveBest(driverModel, best, labelNames());
                }
                LOG.info("round {}/{} epoch {}: loss {} ({} examples, {} s); driver: {} B broadcast, {} B received in {} tasks{}",
                        r + 1, plan.rounds().size(), round.epoch() + 1, String.format("%.4f", avg.meanLoss()), avg.examples(),
                        String.format("%.2f", seconds), measured.broadcastBytes(), measured.resultBytes(), measured.tasks(),
                        devScores != null && epochEnd ? ", dev " + devScores : "");
                done = r + 1;
                if (done % c.checkpointEvery == 0 || done == end || epochEnd) {
                    checkpoints.save(driverModel, weights, done, identity, metrics, labelNames(), c.keepCheckpoints);
                    metrics.write(new Path(setup.output, "metrics.jsonl"), setup.conf);
                }
            }
        } finally {
            sc.sc().removeSparkListener(listener);
        }
        boolean complete = done == plan.rounds().size();
        double speed = exampleSeconds == 0 ? 0 : examples / exampleSeconds;
        if (complete) {
            if (devScores == null && dev != null) devScores = evaluate(sc, dev, spec, weights, shipped, c.batchSize * 2);
            finish(driverModel, best == null ? weights : best.weights(), best, metrics, plan, workers, traffic,
                    best == null ? devScores : best.dev(), speed, total);
        }
        train.unpersist(false);
        if (dev != null) dev.unpersist(false);
        shipped.destroy();
        // what mixture/ holds: the selected round's scores when a round was selected
        Map<String, Double> reported = best != null && best.dev() != null ? best.dev() : devScores;
        return new Result(weights, done, plan.rounds().size(), complete, lastWorkers, lastAverage, traffic, reported, speed,
                setup.trainableParams, setup.allParams, workers, setup.output);
    }

    private List<String> labelNames() {
        return setup.labels == null ? null : setup.labels.labels();
    }

    static Map<String, Double> evaluate(JavaSparkContext sc, JavaRDD<TokenizedExample> data, ModelSpec spec, Weights weights,
                                        Broadcast<ShippedBackbone> shipped, int batchSize) {
        Broadcast<Weights> bw = sc.broadcast(new Weights(weights.params(), null, weights.step()));
        Predictor p = new Predictor(spec, batchSize);
        List<Prediction> ps = data.mapPartitions(it -> p.run(it, bw.value(), shipped.value()).iterator()).collect();
        bw.destroy();
        return Scores.of(ps, spec.head());
    }

    /** Writes the final files from {@code weights} (the selected round's when {@code best} is set), then _SUCCESS. */
    private void finish(AdaMixModel driverModel, Weights weights, BestRound best, MetricsLog metrics, RoundPlan plan, int workers,
                        List<Traffic> traffic, Map<String, Double> dev, double speed, long examples) throws IOException {
        Path out = setup.output;
        var conf = setup.conf;
        weights.loadInto(driverModel);
        java.nio.file.Path tmp = Files.createTempDirectory("adamix-final-");
        try {
            AdapterCheckpoint.save(driverModel, tmp.resolve("mixture"), false, labelNames());
            FsPaths.publishFolder(tmp.resolve("mixture"), new Path(out, "mixture"), conf);
        } finally {
            FsPaths.deleteLocal(tmp);
        }
        if (setup.labels != null) FsPaths.writeAtomically(new Path(out, "labels.json"), setup.labels.toJson() + "\n", conf);
        metrics.write(new Path(out, "metrics.jsonl"), conf);
        FsPaths.writeAtomically(new Path(out, "curves.png"), CurvesPlot.png(metrics.rows(),
                "AdaMix " + setup.adaptation.method().id + " on " + setup.backbone.backbone().name()), conf);
        ObjectNode s = MetricsLog.JSON.createObjectNode();
        s.put("run_id", setup.cmd.runId); // this attempt's (a sensor's proof that _SUCCESS is not stale)
        s.set("run", setup.runIdentity(workers));
        s.put("rounds", plan.rounds().size());
        s.put("steps", plan.totalSteps());
        s.put("training_examples", examples);
        s.put("examples_per_s", speed);
        s.put("trainable_parameters", setup.trainableParams);
        s.put("all_parameters", setup.allParams);
        if (dev != null) s.putPOJO("dev", dev);
        if (best != null) s.set("selected", Checkpoints.selection(best));
        else s.put("selected", "last round");
        if (!traffic.isEmpty()) {
            Traffic t = traffic.get(traffic.size() - 1);
            // Spark's count for the last round: what the driver broadcast and received, and the tree's shuffle
            ObjectNode b = s.putObject("bytes_per_round");
            b.put("to_driver", t.measured().resultBytes());
            b.put("broadcast", t.measured().broadcastBytes());
            b.put("broadcast_fetched", t.measured().broadcastFetchedBytes());
            b.put("shuffle_write", t.measured().shuffleWriteBytes());
            b.put("shuffle_read", t.measured().shuffleReadBytes());
            b.put("spark_tasks", t.measured().tasks());
            // Java-serialized sizes, the same way for this run and for full-parameter averaging
            s.put("estimated_bytes_per_round", t.estimatedDown() + t.estimatedUp());
            s.put("estimated_bytes_per_round_budget", 2 * t.budget());
            s.put("estimated_bytes_per_round_within_budget", traffic.stream().allMatch(Traffic::withinBudget));
            s.put("estimated_bytes_per_round_full_parameter_averaging", 2 * t.fullParameter());
            s.put("sync_saving_factor", (double) (2 * t.fullParameter()) / (t.estimatedDown() + t.estimatedUp()));
        }
        FsPaths.writeAtomically(new Path(out, "summary.json"), s.toPrettyString() + "\n", conf);
        FsPaths.writeAtomically(new Path(out, SUCCESS), new byte[0], conf);
    }

    static String mb(long bytes) {
        return String.format("%.2f MB", bytes / 1e6);
    }

    /** The command's settings, read once. */
    private static final class TrainCommandView {
        final Integer workers, maxRounds;
        final int maxLength, epochs, batchSize, localSteps, checkpointEvery, keepCheckpoints;
        final long seed;

        TrainCommandView(TrainSetup s) {
            workers = s.cmd.workers;
            maxRounds = s.cmd.maxRounds;
            maxLength = s.cmd.maxLength;
            epochs = s.cmd.epochs;
            batchSize = s.cmd.batchSize;
            localSteps = s.cmd.localSteps;
            checkpointEvery = s.cmd.checkpointEvery;
            keepCheckpoints = s.cmd.keepCheckpoints;
            seed = s.cmd.seed;
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
