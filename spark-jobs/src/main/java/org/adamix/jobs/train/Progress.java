package org.adamix.jobs.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.adamix.jobs.spark.Weights;

/**
 * Where a run is: the weights after the last averaged round, the rounds done and the metrics so far
 * (what a checkpoint keeps), and what this attempt reports at the end: every round's traffic, the
 * last round's workers and average, the training throughput and the latest dev scores.
 */
final class Progress {
    private Weights weights;
    private int roundsDone;
    private final MetricsLog metrics;
    private final List<Traffic> traffic = new ArrayList<>();
    private List<WorkerFacts> lastWorkers = List.of();
    private RoundAverage lastAverage;
    private Map<String, Double> dev;
    private double examples, seconds;

    Progress(Weights weights, int roundsDone, MetricsLog metrics) {
        this.weights = weights;
        this.roundsDone = roundsDone;
        this.metrics = metrics;
    }

    /**
     * Takes a round done: its averaged weights are the run's from now on. Returns the round's new
     * metrics row.
     */
    ObjectNode add(SparkRound.Outcome o) {
        traffic.add(o.traffic());
        weights = o.weights();
        lastWorkers = o.workers();
        lastAverage = o.average();
        examples += o.average().examples();
        seconds += o.seconds();
        roundsDone = o.round().index() + 1;
        return o.putMetrics(metrics.newRow());
    }

    /** The dev scores after the last round, also in its metrics row (as dev_accuracy, ...). */
    void addDev(Map<String, Double> scores) {
        dev = scores;
        ObjectNode row = metrics.rows().get(metrics.rows().size() - 1);
        scores.forEach((k, v) -> row.put("dev_" + k, v));
    }

    /** Dev scores computed after the loop (a resumed run that had none left to train). */
    void setDev(Map<String, Double> scores) {
        dev = scores;
    }

    Weights weights() {
        return weights;
    }

    int roundsDone() {
        return roundsDone;
    }

    MetricsLog metrics() {
        return metrics;
    }

    List<Traffic> traffic() {
        return traffic;
    }

    List<WorkerFacts> lastWorkers() {
        return lastWorkers;
    }

    RoundAverage lastAverage() {
        return lastAverage;
    }

    /** The latest dev scores, null before any. */
    Map<String, Double> dev() {
        return dev;
    }

    double examplesPerSecond() {
        return seconds == 0 ? 0 : examples / seconds;
    }
}
