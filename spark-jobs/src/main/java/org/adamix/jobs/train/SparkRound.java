package org.adamix.jobs.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.UUID;
import org.adamix.jobs.spark.ShippedBackbone;
import org.adamix.jobs.spark.SparkTraffic;
import org.adamix.jobs.spark.Weights;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One averaging round as the driver runs it: broadcast the weights, every partition runs {@link
 * WorkerRound} (the local steps), executors add the results up in a fixed-order tree ({@link
 * RoundTree}) and the driver divides the one total ({@link RoundSum#average}). Spark's count of the
 * bytes the round moved comes with it, from a listener ({@link SparkTraffic}) that lives as long as
 * this object.
 */
final class SparkRound implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SparkRound.class);

    private final JavaSparkContext sc;
    private final TrainData data;
    private final WorkerRound worker;
    private final long allParams;
    private final SparkTraffic listener;
    private final String tagPrefix = "train-" + UUID.randomUUID() + "-round-";

    /**
     * A round done: the averaged weights (the run's from now on), their average, the workers, time
     * and bytes.
     */
    record Outcome(
            RoundPlan.Round round,
            Weights weights,
            RoundAverage average,
            List<WorkerFacts> workers,
            double seconds,
            Traffic traffic) {

        /** The round's row of metrics.jsonl. */
        ObjectNode putMetrics(ObjectNode row) {
            SparkTraffic.Totals measured = traffic.measured();
            row.put("round", round.index() + 1);
            row.put("epoch", round.epoch() + 1);
            row.put("step", weights.step());
            row.put("loss", average.meanLoss());
            row.put("examples", average.examples());
            row.put("seconds", seconds);
            row.put("examples_per_s", average.examples() / seconds);
            // the slowest worker's own time (its steps and weight copies): the rest is Spark's
            row.put(
                    "worker_seconds_max",
                    workers.stream().mapToLong(WorkerFacts::nanos).max().orElse(0) / 1e9);
            row.put("bytes_to_driver", measured.resultBytes());
            row.put("bytes_broadcast", measured.broadcastBytes());
            row.put("bytes_broadcast_fetched", measured.broadcastFetchedBytes());
            row.put("bytes_shuffle_write", measured.shuffleWriteBytes());
            row.put("bytes_shuffle_read", measured.shuffleReadBytes());
            row.put("spark_tasks", measured.tasks());
            row.put("estimated_bytes_down", traffic.estimatedDown());
            row.put("estimated_bytes_up", traffic.estimatedUp());
            row.put("bytes_budget", traffic.budget());
            row.put("bytes_full_parameter", 2 * traffic.fullParameter());
            return row;
        }
    }

    SparkRound(JavaSparkContext sc, TrainData data, WorkerRound worker, long allParams) {
        this.sc = sc;
        this.data = data;
        this.worker = worker;
        this.allParams = allParams;
        this.listener = SparkTraffic.register(sc);
    }

    Outcome run(RoundPlan.Round round, Weights weights) {
        long t0 = System.nanoTime();
        Broadcast<Weights> bw = sc.broadcast(weights);
        String tag = tagPrefix + (round.index() + 1);
        RoundSum sum = localSteps(round, bw, tag);
        RoundAverage avg = sum.average(weights.params(), weights.state());
        double seconds = (System.nanoTime() - t0) / 1e9;
        Traffic traffic = traffic(tag, bw, weights, avg);
        bw.destroy();
        if (!traffic.withinBudget())
            LOG.warn(
                    "round {}: an estimated {} down / {} up, more than {}x the budget {}",
                    round.index() + 1,
                    traffic.estimatedDown(),
                    traffic.estimatedUp(),
                    Traffic.TOLERANCE,
                    traffic.budget());
        for (WorkerFacts w : sum.workers())
            LOG.debug(
                    "round {} worker {} on {}: {} examples, {} steps, {} s, {} models built there",
                    round.index() + 1,
                    w.worker(),
                    w.jvm(),
                    w.examples(),
                    w.steps(),
                    String.format("%.2f", w.nanos() / 1e9),
                    w.modelsBuiltInJvm());
        Weights averaged =
                new Weights(avg.params(), avg.state(), round.globalStepStart() + round.steps());
        return new Outcome(round, averaged, avg, sum.workers(), seconds, traffic);
    }

    /**
     * Every worker's local steps from the broadcast weights, summed on executors; the jobs carry
     * the round's tag.
     */
    private RoundSum localSteps(RoundPlan.Round round, Broadcast<Weights> bw, String tag) {
        // the tasks' closure takes these two, not this object (which holds the SparkContext)
        WorkerRound steps = worker;
        Broadcast<ShippedBackbone> backbone = data.shipped;
        try {
            SparkTraffic.tag(sc, tag);
            return RoundTree.sumOfWorkers(
                    sc,
                    data.train,
                    (i, it) -> steps.run(i, it, bw.value(), round, backbone.value()));
        } finally {
            SparkTraffic.tag(sc, null);
        }
    }

    /**
     * Spark's count of the round's bytes, and the serialized sizes that are checked against the
     * budget.
     */
    private Traffic traffic(String tag, Broadcast<Weights> bw, Weights sent, RoundAverage avg) {
        // one job per round: its end reaches the listener moments after collect returned
        SparkTraffic.Totals measured =
                listener.await(tag, 1, 10_000).withBroadcast(listener.broadcast(bw.id()));
        listener.forget(tag, bw.id());
        long stateValues = avg.state() == null ? 0 : avg.state().length;
        // what one worker sends: its leaf, float weights and state (sizes of the average's vectors)
        WorkerResult leaf = new WorkerResult(0, avg.params(), avg.state(), 1, 0, 0, "", 0, 0);
        long leafBytes = Traffic.serializedSize(RoundSum.of(leaf));
        return Traffic.of(
                measured,
                Traffic.serializedSize(sent),
                leafBytes,
                data.workers,
                avg.params().length,
                Math.max(stateValues, 2L * avg.params().length),
                allParams);
    }

    @Override
    public void close() {
        sc.sc().removeSparkListener(listener);
    }
}
