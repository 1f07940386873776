package org.adamix.jobs.train;

import java.util.List;
import java.util.Map;
import org.adamix.jobs.spark.JobInputException;
import org.adamix.jobs.spark.Weights;

/**
 * Best-dev-checkpoint selection ({@code --select-by}): the authors' scripts keep the epoch with the
 * best dev score, and the served (merged) model is made from it. Dev is scored after every epoch;
 * the first epoch with the best value wins ties, so the choice is deterministic.
 */
public final class BestRound {
    /** The metrics a run can select by; "loss" is the only one where lower is better. */
    static final List<String> METRICS =
            List.of("accuracy", "f1", "mcc", "pearson", "spearman", "loss");

    private final String metric;
    private Weights weights;
    private double value = Double.NaN;
    private int round;
    private int epoch;
    private Map<String, Double> dev;

    private BestRound(String metric) {
        this.metric = metric;
    }

    /**
     * The selection for {@code --select-by} (null = none: the last round's weights are kept). auto
     * picks accuracy for classification, pearson for regression, none without dev data.
     */
    public static BestRound of(String selectBy, boolean regression, boolean hasDev) {
        String m =
                selectBy.equals("auto")
                        ? (hasDev ? (regression ? "pearson" : "accuracy") : "last")
                        : selectBy;
        if (m.equals("last")) return null;
        if (!METRICS.contains(m))
            throw new JobInputException(
                    "--select-by "
                            + selectBy
                            + " is not one of auto, last, "
                            + String.join(", ", METRICS));
        if (!hasDev) throw new JobInputException("--select-by " + m + " needs --dev data to score");
        boolean regressionMetric = m.equals("pearson") || m.equals("spearman");
        boolean classificationMetric = m.equals("accuracy") || m.equals("f1") || m.equals("mcc");
        if ((regression && classificationMetric) || (!regression && regressionMetric))
            throw new JobInputException(
                    "--select-by "
                            + m
                            + " does not apply to "
                            + (regression ? "regression" : "classification"));
        return new BestRound(m);
    }

    /**
     * Takes the epoch's dev scores; true when they are the best so far (then the weights are kept).
     */
    public boolean offer(Map<String, Double> scores, Weights w, int roundsDone, int epochNumber) {
        double v = scores.get(metric);
        if (Double.isNaN(v)) return false; // e.g. Pearson of constant predictions: never a choice
        boolean better = Double.isNaN(value) || (metric.equals("loss") ? v < value : v > value);
        if (!better) return false;
        value = v;
        weights = new Weights(w.params(), null, w.step());
        round = roundsDone;
        epoch = epochNumber;
        dev = scores;
        return true;
    }

    /**
     * Restores the selection a checkpointed run had made (its weights come from {@code
     * checkpoints/best}).
     */
    void restore(Weights w, double v, int roundsDone, int epochNumber, Map<String, Double> scores) {
        weights = w;
        value = v;
        round = roundsDone;
        epoch = epochNumber;
        dev = scores;
    }

    String metric() {
        return metric;
    }

    public Weights weights() {
        return weights;
    }

    double value() {
        return value;
    }

    int round() {
        return round;
    }

    public int epoch() {
        return epoch;
    }

    Map<String, Double> dev() {
        return dev;
    }
}
