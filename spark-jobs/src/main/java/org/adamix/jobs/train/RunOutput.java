package org.adamix.jobs.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.adamix.jobs.spark.FsPaths;
import org.adamix.jobs.spark.Weights;
import org.adamix.model.AdaMixModel;
import org.adamix.model.io.AdapterCheckpoint;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a run keeps in its output: where to start (a fresh model, or the newest good checkpoint with
 * --resume), a checkpoint every few rounds and at every epoch's end, the best dev epoch's weights
 * when a round is selected ({@link BestRound}), and after the last round the final files with
 * {@code _SUCCESS} last. Weights are written through the driver's own model: an {@link
 * AdapterCheckpoint} is saved from one.
 */
final class RunOutput {
    private static final Logger LOG = LoggerFactory.getLogger(RunOutput.class);

    private final TrainSetup setup;
    private final AdaMixModel driverModel;
    private final int workers;
    private final ObjectNode identity;
    private final Checkpoints checkpoints;

    /** Null when the last round's weights are kept. */
    private final BestRound best;

    RunOutput(TrainSetup setup, AdaMixModel driverModel, int workers, boolean hasDev) {
        this.setup = setup;
        this.driverModel = driverModel;
        this.workers = workers;
        this.identity = setup.runIdentity(workers);
        this.checkpoints = new Checkpoints(setup.output, setup.conf);
        this.best = BestRound.of(setup.cmd.selectBy, setup.head.regression(), hasDev);
    }

    /**
     * Round 0 from the model's initial weights, or with --resume where the newest good checkpoint
     * left off, with the best epoch selected so far. The output folder exists afterwards.
     */
    Progress startOrResume(int plannedRounds) throws IOException {
        Weights initial = new Weights(Weights.flat(driverModel.trainableParams()), null, 0);
        Progress start = new Progress(initial, 0, new MetricsLog());
        if (setup.resuming) {
            Path success = new Path(setup.output, TrainJob.SUCCESS);
            if (setup.conf != null && FsPaths.fs(setup.output, setup.conf).exists(success))
                LOG.info("{} already holds a finished run; finishing files again", setup.output);
            Checkpoints.Restored r =
                    checkpoints.latest(setup.backbone.backbone(), identity, plannedRounds);
            if (r != null) {
                start = new Progress(r.weights(), r.roundsDone(), r.metrics());
                LOG.info(
                        "resuming after round {} (global step {})",
                        r.roundsDone(),
                        r.weights().step());
                if (best != null) checkpoints.restoreBest(setup.backbone.backbone(), best);
            }
        }
        FsPaths.fs(setup.output, setup.conf).mkdirs(setup.output);
        return start;
    }

    /**
     * Saves a checkpoint of where the run is (keeping the newest --keep-checkpoints) and
     * metrics.jsonl so far.
     */
    void checkpoint(Progress p, int keep) throws IOException {
        checkpoints.save(
                driverModel,
                p.weights(),
                p.roundsDone(),
                identity,
                p.metrics(),
                labelNames(),
                keep);
        p.metrics().write(new Path(setup.output, "metrics.jsonl"), setup.conf);
    }

    /**
     * Offers an epoch's dev scores to the selection; a new best is saved at once (its weights exist
     * nowhere else).
     */
    void offerBest(Map<String, Double> dev, Weights weights, RoundPlan.Round round)
            throws IOException {
        if (best != null && best.offer(dev, weights, round.index() + 1, round.epoch() + 1))
            checkpoints.saveBest(driverModel, best, labelNames());
    }

    /** The selected round's dev scores, or null when no round is selected (yet). */
    Map<String, Double> selectedDev() {
        return best == null ? null : best.dev();
    }

    /**
     * Writes the final files from the selected round's weights (the last round's without a
     * selection): mixture/, labels.json, metrics.jsonl, curves.png, summary.json, then _SUCCESS.
     */
    void finish(Progress p, RoundPlan plan, long examples) throws IOException {
        Path out = setup.output;
        var conf = setup.conf;
        (best == null ? p.weights() : best.weights()).loadInto(driverModel);
        java.nio.file.Path tmp = Files.createTempDirectory("adamix-final-");
        try {
            AdapterCheckpoint.save(driverModel, tmp.resolve("mixture"), false, labelNames());
            FsPaths.publishFolder(tmp.resolve("mixture"), new Path(out, "mixture"), conf);
        } finally {
            FsPaths.deleteLocal(tmp);
        }
        if (setup.labels != null)
            FsPaths.writeAtomically(
                    new Path(out, "labels.json"), setup.labels.toJson() + "\n", conf);
        p.metrics().write(new Path(out, "metrics.jsonl"), conf);
        FsPaths.writeAtomically(
                new Path(out, "curves.png"),
                CurvesPlot.png(
                        p.metrics().rows(),
                        "AdaMix "
                                + setup.adaptation.method().id
                                + " on "
                                + setup.backbone.backbone().name()),
                conf);
        Map<String, Double> dev = best == null ? p.dev() : best.dev();
        ObjectNode s = summary(plan, examples, p.examplesPerSecond(), dev, p.traffic());
        FsPaths.writeAtomically(new Path(out, "summary.json"), s.toPrettyString() + "\n", conf);
        FsPaths.writeAtomically(new Path(out, TrainJob.SUCCESS), new byte[0], conf);
    }

    /**
     * summary.json: the run, its size and speed, the dev scores it reports, and the bytes of its
     * last round.
     */
    private ObjectNode summary(
            RoundPlan plan,
            long examples,
            double speed,
            Map<String, Double> dev,
            List<Traffic> traffic) {
        ObjectNode s = MetricsLog.JSON.createObjectNode();
        s.put(
                "run_id",
                setup.cmd.runId); // this attempt's (a sensor's proof that _SUCCESS is not stale)
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
            // Spark's count for the last round: what the driver broadcast and received, and the
            // tree's shuffle
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
            s.put(
                    "estimated_bytes_per_round_within_budget",
                    traffic.stream().allMatch(Traffic::withinBudget));
            s.put("estimated_bytes_per_round_full_parameter_averaging", 2 * t.fullParameter());
            s.put(
                    "sync_saving_factor",
                    (double) (2 * t.fullParameter()) / (t.estimatedDown() + t.estimatedUp()));
        }
        return s;
    }

    private List<String> labelNames() {
        return setup.labels == null ? null : setup.labels.labels();
    }
}
