package org.adamix.jobs.compare;

/**
 * The metrics of a comparison: {@code dev} chooses each run's epoch and each method's learning rate
 * ({@code lowerIsBetter} for a loss), {@code test} is reported. Classification and regression
 * select and report one metric; generation selects by dev loss per target token and reports test
 * BLEU (generating dev text every epoch would cost more than the training).
 */
public record CompareMetrics(String dev, boolean lowerIsBetter, String test) {

    /** One metric, higher is better, for dev and test. */
    public static CompareMetrics higher(String metric) {
        return new CompareMetrics(metric, false, metric);
    }

    /** Whether dev value {@code a} is better than {@code b}; NaN is never better. */
    public boolean better(double a, double b) {
        if (Double.isNaN(a)) return false;
        if (Double.isNaN(b)) return true;
        return lowerIsBetter ? a < b : a > b;
    }
}
