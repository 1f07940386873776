package org.adamix.jobs.train;

import java.util.Comparator;
import java.util.List;

/**
 * The driver's average of a round's worker results, weighted by the examples each trained on:
 * {@code sum_w(n_w * x_w) / sum_w(n_w)} per value, in double, workers in index order, so the result is
 * the same whatever order the tasks finished in.
 */
public record RoundAverage(float[] params, float[] state, long examples, double lossSum, int workersAveraged) {

    public static RoundAverage of(List<WorkerResult> results, float[] previousParams, float[] previousState) {
        List<WorkerResult> rs = results.stream().filter(r -> r.examples() > 0)
                .sorted(Comparator.comparingInt(WorkerResult::worker)).toList();
        if (rs.isEmpty()) return new RoundAverage(previousParams, previousState, 0, 0, 0);
        long total = 0;
        double loss = 0;
        for (WorkerResult r : rs) {
            total += r.examples();
            loss += r.lossSum();
        }
        float[] p = average(rs, total, true);
        float[] s = rs.get(0).state() == null ? null : average(rs, total, false);
        return new RoundAverage(p, s, total, loss, rs.size());
    }

    private static float[] average(List<WorkerResult> rs, long total, boolean params) {
        int n = (params ? rs.get(0).params() : rs.get(0).state()).length;
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            double sum = 0;
            for (WorkerResult r : rs) sum += (double) r.examples() * (params ? r.params() : r.state())[i];
            out[i] = (float) (sum / total);
        }
        return out;
    }

    public double meanLoss() {
        return examples == 0 ? Double.NaN : lossSum / examples;
    }
}
