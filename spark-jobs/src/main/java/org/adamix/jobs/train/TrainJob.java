package org.adamix.jobs.train;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.adamix.jobs.spark.ModelSpec;
import org.adamix.jobs.spark.OutputLock;
import org.adamix.jobs.spark.Sessions;
import org.adamix.jobs.spark.SparkTraffic;
import org.adamix.jobs.spark.Weights;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver's loop, data-parallel training with periodic averaging: load the shards once; then
 * each round broadcast the weights, let every worker take its local steps from them on its own
 * shard, average the workers' results into the next weights, log, score dev at an epoch's end and
 * checkpoint. After the last round the final files are written, {@code _SUCCESS} last. Each step is
 * its own class: {@link TrainData}, {@link SparkRound} (with {@link WorkerRound} on every worker),
 * {@link DevEvaluation}, {@link RunOutput}.
 */
public final class TrainJob {
    private static final Logger LOG = LoggerFactory.getLogger(TrainJob.class);
    public static final String SUCCESS = "_SUCCESS";

    private final TrainSetup setup;
    private final Sessions session;
    private final TrainCommandView c;

    /** What a run ended with (tests and benchmarks look inside). */
    public record Result(
            Weights weights,
            int roundsDone,
            int totalRounds,
            boolean complete,
            List<WorkerFacts> lastWorkers,
            RoundAverage lastAverage,
            List<Traffic> traffic,
            Map<String, Double> dev,
            double examplesPerSecond,
            long trainableParams,
            long allParams,
            int workers,
            Path output) {
        public String summaryLine() {
            Traffic t = traffic.isEmpty() ? null : traffic.get(traffic.size() - 1);
            return String.format(
                    "%s: %d/%d rounds on %d workers, %.1f examples/s, dev %s; the driver sent and received %s "
                            + "per round (full-parameter averaging: %s)%s",
                    complete ? "done" : "stopped",
                    roundsDone,
                    totalRounds,
                    workers,
                    examplesPerSecond,
                    dev,
                    t == null ? "-" : mb(t.driverBytes()),
                    t == null ? "-" : mb(2 * t.fullParameter()),
                    complete ? "" : " — continue with --resume");
        }
    }

    public TrainJob(TrainSetup setup, Sessions session) {
        this.setup = setup;
        this.session = session;
        this.c = new TrainCommandView(setup);
    }

    /** Trains while holding the output's {@link OutputLock}, released however the run ends. */
    public Result run() throws IOException {
        JavaSparkContext sc = session.sc();
        try (OutputLock lock =
                OutputLock.acquire(
                        setup.output, setup.conf, sc.sc().applicationId(), setup.cmd.breakLock)) {
            setup.recheckOutput();
            TrainData data =
                    TrainData.load(
                            sc,
                            setup,
                            c.workers != null ? c.workers : sc.defaultParallelism(),
                            session.localMode());
            RoundPlan plan = RoundPlan.of(c.epochs, data.largestShard(), c.batchSize, c.localSteps);
            ModelSpec spec = setup.modelSpec(plan.totalSteps(), data.trainedHead(setup.head));
            RunOutput output =
                    new RunOutput(
                            setup,
                            spec.build(setup.backbone.backbone()),
                            data.workers,
                            data.hasDev());
            logPlan(data, plan);
            Progress progress = output.startOrResume(plan.rounds().size());
            DevEvaluation dev =
                    data.hasDev() ? new DevEvaluation(sc, data, spec, c.batchSize * 2) : null;
            int end =
                    c.maxRounds == null
                            ? plan.rounds().size()
                            : Math.min(plan.rounds().size(), c.maxRounds);
            WorkerRound worker =
                    new WorkerRound(spec, c.batchSize, c.seed, setup.cmd.groupByLength);
            try (SparkRound rounds = new SparkRound(sc, data, worker, setup.allParams)) {
                for (int r = progress.roundsDone(); r < end; r++) {
                    RoundPlan.Round round = plan.rounds().get(r);
                    sc.setJobDescription(
                            String.format(
                                    "round %d/%d, epoch %d/%d",
                                    round.index() + 1,
                                    plan.rounds().size(),
                                    round.epoch() + 1,
                                    c.epochs));
                    // broadcast the weights, local steps on every worker, their average is the next
                    // weights
                    SparkRound.Outcome averaged = rounds.run(round, progress.weights());
                    progress.add(averaged);
                    boolean epochEnd = round.lastOfEpoch(plan.stepsPerEpoch());
                    if (epochEnd && dev != null) {
                        progress.addDev(
                                dev.afterEpoch(progress.weights(), round.epoch(), c.epochs));
                        output.offerBest(progress.dev(), progress.weights(), round);
                    }
                    logRound(plan, averaged, epochEnd ? progress.dev() : null);
                    if (checkpointDue(progress.roundsDone(), end, epochEnd))
                        output.checkpoint(progress, c.keepCheckpoints);
                }
            }
            boolean complete = progress.roundsDone() == plan.rounds().size();
            if (complete) {
                if (progress.dev() == null && dev != null)
                    progress.setDev(dev.score(progress.weights()));
                output.finish(progress, plan, data.examples());
            }
            data.release();
            return result(progress, plan, complete, output.selectedDev(), data.workers);
        }
    }

    /**
     * The dev scores reported are what mixture/ holds: the selected round's when a round was
     * selected.
     */
    private Result result(
            Progress p,
            RoundPlan plan,
            boolean complete,
            Map<String, Double> selectedDev,
            int workers) {
        return new Result(
                p.weights(),
                p.roundsDone(),
                plan.rounds().size(),
                complete,
                p.lastWorkers(),
                p.lastAverage(),
                p.traffic(),
                selectedDev != null ? selectedDev : p.dev(),
                p.examplesPerSecond(),
                setup.trainableParams,
                setup.allParams,
                workers,
                setup.output);
    }

    private void logPlan(TrainData data, RoundPlan plan) {
        LOG.info(
                "{} training examples in {} shards {}; {} rounds of up to {} steps ({} steps/epoch, {} epochs)",
                data.examples(),
                data.workers,
                data.shardSizes,
                plan.rounds().size(),
                c.localSteps,
                plan.stepsPerEpoch(),
                c.epochs);
    }

    private static void logRound(RoundPlan plan, SparkRound.Outcome o, Map<String, Double> dev) {
        SparkTraffic.Totals measured = o.traffic().measured();
        LOG.info(
                "round {}/{} epoch {}: loss {} ({} examples, {} s); "
                        + "driver: {} B broadcast, {} B received in {} tasks{}",
                o.round().index() + 1,
                plan.rounds().size(),
                o.round().epoch() + 1,
                String.format("%.4f", o.average().meanLoss()),
                o.average().examples(),
                String.format("%.2f", o.seconds()),
                measured.broadcastBytes(),
                measured.resultBytes(),
                measured.tasks(),
                dev != null ? ", dev " + dev : "");
    }

    /**
     * Every --checkpoint-every rounds, at every epoch's end, and after this attempt's last round
     * (to resume from).
     */
    private boolean checkpointDue(int done, int end, boolean epochEnd) {
        return done % c.checkpointEvery == 0 || done == end || epochEnd;
    }

    static String mb(long bytes) {
        return String.format("%.2f MB", bytes / 1e6);
    }

    /** The command's settings, read once. */
    private static final class TrainCommandView {
        final Integer workers, maxRounds;
        final int epochs, batchSize, localSteps, checkpointEvery, keepCheckpoints;
        final long seed;

        TrainCommandView(TrainSetup s) {
            workers = s.cmd.workers;
            maxRounds = s.cmd.maxRounds;
            epochs = s.cmd.epochs;
            batchSize = s.cmd.batchSize;
            localSteps = s.cmd.localSteps;
            checkpointEvery = s.cmd.checkpointEvery;
            keepCheckpoints = s.cmd.keepCheckpoints;
            seed = s.cmd.seed;
        }
    }
}
