package org.adamix.jobs.train;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A round's average of the worker results, weighted by the examples each trained on: {@code
 * sum_w(n_w * x_w) / sum_w(n_w)} per value, for the weights and for Adam's state, summed in double
 * in the fixed order of {@link RoundSum#inTreeOrder} and rounded once, so the result does not
 * depend on the order the tasks finished in. Workers with no examples are left out; with none at
 * all the previous weights stay. Spark computes the same sums with {@link RoundTree}; this
 * in-process form is the reference.
 */
public record RoundAverage(
        float[] params, float[] state, long examples, double lossSum, int workersAveraged) {

    public static RoundAverage of(
            List<WorkerResult> results, float[] previousParams, float[] previousState) {
        List<RoundSum> leaves = new ArrayList<>();
        results.stream()
                .sorted(Comparator.comparingInt(WorkerResult::worker))
                .forEach(r -> leaves.add(RoundSum.of(r)));
        if (leaves.isEmpty()) return new RoundAverage(previousParams, previousState, 0, 0, 0);
        return RoundSum.inTreeOrder(leaves).average(previousParams, previousState);
    }

    public double meanLoss() {
        return examples == 0 ? Double.NaN : lossSum / examples;
    }
}
