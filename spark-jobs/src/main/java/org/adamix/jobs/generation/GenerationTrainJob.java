package org.adamix.jobs.generation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.adamix.jobs.cli.TrainCommand;
import org.adamix.jobs.spark.FsPaths;
import org.adamix.jobs.spark.JobInputException;
import org.adamix.jobs.spark.OutputLock;
import org.adamix.jobs.spark.Sessions;
import org.adamix.jobs.spark.Weights;
import org.adamix.jobs.train.RoundPlan;
import org.adamix.jobs.train.RoundSum;
import org.adamix.jobs.train.RoundTree;
import org.adamix.jobs.train.TrainSetup;
import org.adamix.model.AdaptationConfig;
import org.adamix.model.OptimizerConfig;
import org.adamix.model.decoder.Gpt2LmModel;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * {@code train --task generation}: a GPT-2 backbone adapted to source → target text on Spark, with
 * the encoder's round loop — the shards cached one per worker, each round the trainable vector and
 * Adam's state broadcast, every worker's local steps ({@link GenerationRound}), the results added
 * up in the executors' fixed-order tree and averaged on the driver. Dev: the mean loss per target
 * token (log-perplexity) after every epoch, evaluation mode (AdaMix's experts averaged); the best
 * epoch is kept.
 *
 * <p>Output, published at once, {@code _SUCCESS} last: {@code model/} (the trainable tensors by
 * name and {@code generation.json}), {@code merged/} (a Hugging Face GPT-2 folder with the
 * tokenizer, the adaptation merged in — LoRA and AdaMix-LoRA folded into c_attn, full fine-tuning's
 * weights — or, for adapter methods, the merged single adapter's tensors), {@code metrics.jsonl},
 * {@code summary.json}.
 *
 * <p>Data are read and tokenized on the driver (the E2E training set is 42k rows) and parallelized
 * into the shards. Checkpoints ({@link GenerationCheckpoints}) every --checkpoint-every rounds and
 * at every epoch's end; --resume continues from the newest complete one.
 */
public final class GenerationTrainJob {
    private static final Logger LOG = LoggerFactory.getLogger(GenerationTrainJob.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TrainCommand c;
    private final GenerationBackbone backbone;
    private final Configuration conf;
    private final Path output;

    /** Read and tokenized on the driver before Spark starts: bad rows stop the job early. */
    private final List<LmExample> trainSet, devSet;

    /** What a run ended with (tests look inside). */
    public record Result(
            double devLoss,
            int bestEpoch,
            double examplesPerSecond,
            int roundsRunNow,
            int totalRounds,
            Path output) {}

    /** Checks the output and reads the data; Spark is not started yet. */
    public GenerationTrainJob(TrainCommand c, GenerationBackbone backbone, Configuration conf)
            throws IOException {
        this.c = c;
        this.backbone = backbone;
        this.conf = conf;
        Path out = new Path(c.output);
        this.output = out.getFileSystem(conf).makeQualified(out);
        checkOutput();
        this.trainSet =
                backbone.pairs(c.data.generationSpec(), conf, c.train, "--train", c.maxLength);
        this.devSet =
                c.dev == null || c.dev.isEmpty()
                        ? null
                        : backbone.pairs(
                                c.data.generationSpec(), conf, c.dev, "--dev", c.maxLength);
    }

    /**
     * As for the encoder: a new or empty output starts a run (with or without --resume); a
     * non-empty one needs --resume and must hold an unfinished generation run.
     */
    private void checkOutput() throws IOException {
        var fs = FsPaths.fs(output, conf);
        if (!c.breakLock && OutputLock.isLocked(output, conf))
            throw new JobInputException(OutputLock.heldMessage(output, conf));
        boolean empty =
                !fs.exists(output)
                        || java.util.Arrays.stream(fs.listStatus(output))
                                .allMatch(s -> s.getPath().getName().equals(OutputLock.NAME));
        if (empty) return;
        if (!c.resume)
            throw new JobInputException(
                    "output "
                            + output
                            + " is not empty: pass --resume to continue the run in it, or choose"
                            + " another --output");
        if (fs.exists(new Path(output, "_SUCCESS")))
            throw new JobInputException("--resume: " + output + " is finished (_SUCCESS)");
        if (!fs.exists(new Path(output, GenerationCheckpoints.DIR)))
            throw new JobInputException(
                    "--resume: output " + output + " holds no generation run (no checkpoints/)");
    }

    /** Checks what can be checked before Spark starts: options, output, data. */
    public static void checkOptions(TrainCommand c) {
        TrainSetup.checkOptions(c);
        if (c.labelSmoothing < 0 || c.labelSmoothing >= 1)
            throw new JobInputException(
                    "--label-smoothing must be in [0, 1), got " + c.labelSmoothing);
    }

    public Result run(Sessions session) throws IOException {
        JavaSparkContext sc = session.sc();
        try (OutputLock lock =
                OutputLock.acquire(output, conf, sc.sc().applicationId(), c.breakLock)) {
            return train(sc, session.localMode(), output);
        }
    }

    private Result train(JavaSparkContext sc, boolean localMode, Path output) throws IOException {
        long t0 = System.nanoTime();
        int workers = c.workers != null ? c.workers : sc.defaultParallelism();
        workers = Math.min(workers, trainSet.size());
        AdaptationConfig adaptation = TrainSetup.adaptation(c, c.method);
        List<List<LmExample>> shards = shards(trainSet, workers);
        long largest = 0;
        for (List<LmExample> s : shards) largest = Math.max(largest, s.size());
        RoundPlan plan = RoundPlan.of(c.epochs, largest, c.batchSize, c.localSteps);
        OptimizerConfig optimizer = TrainSetup.optimizer(c, plan.totalSteps());
        GenerationSpec spec = new GenerationSpec(adaptation, optimizer, c.labelSmoothing, c.seed);
        Gpt2LmModel driverModel = spec.build(backbone.backbone());
        LOG.info(
                "{} training pairs in {} shards, {} rounds ({} steps/epoch, {} epochs), {} trainable"
                        + " parameters",
                trainSet.size(),
                workers,
                plan.rounds().size(),
                plan.stepsPerEpoch(),
                c.epochs,
                driverModel.trainableParams().length());

        String key = backbone.key();
        if (localMode) GenerationModels.register(key, backbone.backbone());
        Broadcast<ShippedGpt2> shipped = sc.broadcast(ShippedGpt2.of(backbone.backbone(), key));
        JavaRDD<LmExample> train = parallelize(sc, shards);
        JavaRDD<LmExample> dev = devSet == null ? null : parallelize(sc, shards(devSet, workers));
        GenerationRound worker = new GenerationRound(spec, c.batchSize);

        Weights weights = Weights.of(driverModel);
        Weights best = null;
        double bestDev = Double.POSITIVE_INFINITY;
        int bestEpoch = -1, first = 0;
        long examples = 0;
        double trainSeconds = 0;
        ArrayNode metrics = JSON.createArrayNode();
        GenerationCheckpoints checkpoints = new GenerationCheckpoints(output, conf);
        ObjectNode identity = identity(adaptation, spec, workers);
        if (c.resume) {
            GenerationCheckpoints.State s = checkpoints.latest(identity, plan.rounds().size());
            if (s != null) {
                weights = s.weights();
                best = s.best();
                bestDev = s.bestDev();
                bestEpoch = s.bestEpoch();
                metrics = s.metrics();
                first = s.roundsDone();
                LOG.info("--resume: from {} rounds done (step {})", first, weights.step());
            }
        }
        int end =
                c.maxRounds == null
                        ? plan.rounds().size()
                        : Math.min(plan.rounds().size(), c.maxRounds);
        for (RoundPlan.Round round : plan.rounds().subList(first, Math.max(first, end))) {
            long r0 = System.nanoTime();
            Broadcast<Weights> bw = sc.broadcast(weights);
            GenerationRound steps = worker;
            RoundSum sum =
                    RoundTree.sumOfWorkers(
                            sc,
                            train,
                            (i, it) -> steps.run(i, it, bw.value(), round, shipped.value()));
            var avg = sum.average(weights.params(), weights.state());
            bw.destroy();
            weights =
                    new Weights(avg.params(), avg.state(), round.globalStepStart() + round.steps());
            double seconds = (System.nanoTime() - r0) / 1e9;
            trainSeconds += seconds;
            examples += avg.examples();
            ObjectNode row = metrics.addObject();
            row.put("round", round.index() + 1);
            row.put("epoch", round.epoch() + 1);
            row.put("step", weights.step());
            row.put("loss", avg.meanLoss());
            row.put("examples", avg.examples());
            row.put("seconds", seconds);
            String devText = "";
            if (round.lastOfEpoch(plan.stepsPerEpoch()) && dev != null) {
                double devLoss = devLoss(sc, dev, weights, spec, shipped);
                row.put("dev_loss", devLoss);
                devText = String.format(", dev loss %.4f", devLoss);
                if (devLoss < bestDev) {
                    bestDev = devLoss;
                    best = weights;
                    bestEpoch = round.epoch() + 1;
                }
            }
            LOG.info(
                    "round {}/{} epoch {}: loss {} ({} examples, {} s){}",
                    round.index() + 1,
                    plan.rounds().size(),
                    round.epoch() + 1,
                    String.format("%.4f", avg.meanLoss()),
                    avg.examples(),
                    String.format("%.2f", seconds),
                    devText);
            int done = round.index() + 1;
            if (done % c.checkpointEvery == 0
                    || done == end
                    || round.lastOfEpoch(plan.stepsPerEpoch()))
                checkpoints.save(
                        new GenerationCheckpoints.State(
                                done, weights, best, bestDev, bestEpoch, metrics),
                        identity,
                        c.keepCheckpoints);
        }
        if (end < plan.rounds().size()) {
            LOG.info(
                    "stopped after {} of {} rounds (--max-rounds): continue with --resume",
                    end,
                    plan.rounds().size());
            return new Result(
                    bestDev,
                    bestEpoch,
                    examples / Math.max(trainSeconds, 1e-9),
                    end - first,
                    plan.rounds().size(),
                    output);
        }
        Weights selected = best != null ? best : weights;
        selected.loadInto(driverModel);
        double exPerS = examples / Math.max(trainSeconds, 1e-9);
        ObjectNode summary = JSON.createObjectNode();
        summary.put("task", "generation");
        summary.put("method", adaptation.method().id);
        summary.put("backbone", c.backbone);
        summary.put("steps", weights.step());
        summary.put("selected_epoch", bestEpoch > 0 ? bestEpoch : c.epochs);
        summary.put("selected_by", best != null ? "dev loss" : "last");
        if (best != null) summary.put("dev_loss", bestDev);
        summary.put("examples_per_s", exPerS);
        summary.put("trainable_params", driverModel.trainableParams().length());
        summary.put("seconds", (System.nanoTime() - t0) / 1e9);
        new GenerationOutput(backbone, conf).write(output, driverModel, spec, summary, metrics);
        train.unpersist(false);
        if (dev != null) dev.unpersist(false);
        shipped.destroy();
        return new Result(bestDev, bestEpoch, exPerS, end - first, plan.rounds().size(), output);
    }

    /** What must not change between a checkpoint and the run that resumes from it. */
    private ObjectNode identity(AdaptationConfig adaptation, GenerationSpec spec, int workers) {
        ObjectNode n = JSON.createObjectNode();
        n.put("backbone", backbone.key());
        n.putPOJO("train", c.train);
        n.putPOJO("dev", c.dev);
        n.putPOJO("adaptation", JSON.valueToTree(adaptation));
        n.putPOJO("optimizer", JSON.valueToTree(spec.optimizer()));
        n.put("label_smoothing", spec.labelSmoothing());
        n.put("seed", c.seed);
        n.put("epochs", c.epochs);
        n.put("batch_size", c.batchSize);
        n.put("local_steps", c.localSteps);
        n.put("workers", workers);
        n.put("max_length", c.maxLength);
        // plain JSON values: comparable with what a checkpoint's progress.json holds
        try {
            return (ObjectNode) JSON.readTree(n.toString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Mean loss per target token of the dev set with these weights, summed on the executors. */
    private static double devLoss(
            JavaSparkContext sc,
            JavaRDD<LmExample> dev,
            Weights weights,
            GenerationSpec spec,
            Broadcast<ShippedGpt2> shipped) {
        Broadcast<Weights> bw = sc.broadcast(weights);
        Tuple2<Double, Long> total =
                dev.mapPartitions(
                                it -> {
                                    Gpt2LmModel m = GenerationModels.borrow(shipped.value(), spec);
                                    try {
                                        bw.value().loadInto(m);
                                        List<LmExample> part = new ArrayList<>();
                                        it.forEachRemaining(part::add);
                                        double[] lt = GenerationRound.lossAndTokens(m, part);
                                        return Collections.singletonList(
                                                        new Tuple2<>(lt[0], (long) lt[1]))
                                                .iterator();
                                    } finally {
                                        GenerationModels.giveBack(shipped.value(), spec, m);
                                    }
                                })
                        .reduce((a, b) -> new Tuple2<>(a._1() + b._1(), a._2() + b._2()));
        bw.destroy();
        return total._1() / Math.max(1, total._2());
    }

    /** Round-robin shards in file order: shard w holds rows w, w + workers, … */
    private static List<List<LmExample>> shards(List<LmExample> rows, int workers) {
        List<List<LmExample>> out = new ArrayList<>();
        for (int w = 0; w < workers; w++) out.add(new ArrayList<>());
        for (int i = 0; i < rows.size(); i++) out.get(i % workers).add(rows.get(i));
        return out;
    }

    /** One partition per shard, in shard order, cached. */
    private static JavaRDD<LmExample> parallelize(
            JavaSparkContext sc, List<List<LmExample>> shards) {
        // one list per partition: parallelize would slice a flat list into equal ranges
        JavaRDD<LmExample> rdd =
                sc.parallelize(new ArrayList<>(shards), shards.size()).flatMap(List::iterator);
        rdd.cache();
        rdd.count();
        return rdd;
    }
}
