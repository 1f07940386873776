package org.adamix.jobs.compare;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The table of a comparison. For each method the learning rate is chosen by the mean dev metric
 * over seeds (never by test; the first of equal means wins, a NaN mean — a diverged seed — never
 * wins over a number); the method's row reports dev and test at that learning rate as mean ± sample
 * standard deviation.
 */
public record Summary(
        CompareMetrics metrics, boolean hasTest, List<MethodRow> methods, List<LrRow> lrs) {

    /** The dev metric (selection). */
    public String metric() {
        return metrics.dev();
    }

    /** The metric reported on test. */
    public String testMetric() {
        return metrics.test();
    }

    /** Mean and sample standard deviation (n − 1; NaN for one value) of {@code n} values. */
    public record Stat(double mean, double std, int n) {
        public static Stat of(List<Double> values) {
            int n = values.size();
            double sum = 0;
            for (double v : values) sum += v;
            double mean = n == 0 ? Double.NaN : sum / n;
            double ss = 0;
            for (double v : values) ss += (v - mean) * (v - mean);
            return new Stat(mean, n < 2 ? Double.NaN : Math.sqrt(ss / (n - 1)), n);
        }
    }

    public record MethodRow(
            String method,
            double bestLr,
            Stat dev,
            Stat test,
            long trainableParameters,
            long mergedParameters) {}

    public record LrRow(String method, double lr, Stat dev) {}

    /** {@code runs} holds every run of the grid: each method × its lrs × seeds. */
    public static Summary of(
            List<String> methods,
            Function<String, List<Double>> lrsOf,
            List<RunResult> runs,
            String metric,
            boolean hasTest) {
        return of(methods, lrsOf, runs, CompareMetrics.higher(metric), hasTest);
    }

    public static Summary of(
            List<String> methods,
            Function<String, List<Double>> lrsOf,
            List<RunResult> runs,
            CompareMetrics metrics,
            boolean hasTest) {
        String metric = metrics.dev();
        List<MethodRow> rows = new ArrayList<>();
        List<LrRow> perLr = new ArrayList<>();
        for (String method : methods) {
            List<Double> lrs = lrsOf.apply(method);
            double bestLr = lrs.get(0);
            double bestMean = Double.NaN;
            for (double lr : lrs) {
                Stat dev = Stat.of(scores(runs, method, lr, false, metric));
                perLr.add(new LrRow(method, lr, dev));
                if (metrics.better(dev.mean(), bestMean)) {
                    bestMean = dev.mean();
                    bestLr = lr;
                }
            }
            List<RunResult> chosen = at(runs, method, bestLr);
            rows.add(
                    new MethodRow(
                            method,
                            bestLr,
                            Stat.of(scores(runs, method, bestLr, false, metric)),
                            Stat.of(scores(runs, method, bestLr, true, metrics.test())),
                            chosen.get(0).trainableParameters(),
                            chosen.get(0).mergedParameters()));
        }
        return new Summary(metrics, hasTest, rows, perLr);
    }

    private static List<RunResult> at(List<RunResult> runs, String method, double lr) {
        return runs.stream()
                .filter(r -> r.config().method().equals(method) && r.config().lr() == lr)
                .toList();
    }

    private static List<Double> scores(
            List<RunResult> runs, String method, double lr, boolean onTest, String metric) {
        return at(runs, method, lr).stream().map(r -> r.score(onTest, metric)).toList();
    }
}
