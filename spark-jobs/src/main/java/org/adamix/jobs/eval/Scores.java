package org.adamix.jobs.eval;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.adamix.model.HeadConfig;

/**
 * Evaluation metrics. Classification: accuracy, F1 (of class 1 when binary, macro-averaged
 * otherwise) and Matthews correlation (multiclass form). Regression: Pearson and Spearman
 * correlation.
 */
public final class Scores {
    private Scores() {}

    /** Dev/test metrics of predictions for the head's task, with the mean task loss ("loss"). */
    public static Map<String, Double> of(List<Prediction> ps, HeadConfig head) {
        Map<String, Double> m;
        if (head.regression()) {
            double[] pred = new double[ps.size()], truth = new double[ps.size()];
            for (int i = 0; i < ps.size(); i++) {
                pred[i] = ps.get(i).outputs()[0];
                truth[i] = ps.get(i).label();
            }
            m = regression(pred, truth);
        } else {
            m = classification(confusion(ps, head.numLabels()));
        }
        m.put("loss", meanLoss(ps, head.regression()));
        return m;
    }

    /**
     * Mean task loss of the outputs: cross-entropy of the softmax (classification) or squared error
     * (regression).
     */
    public static double meanLoss(List<Prediction> ps, boolean regression) {
        double sum = 0;
        for (Prediction p : ps) {
            float[] z = p.outputs();
            if (regression) {
                double d = z[0] - p.label();
                sum += d * d;
            } else {
                double max = Double.NEGATIVE_INFINITY, lse = 0;
                for (float v : z) max = Math.max(max, v);
                for (float v : z) lse += Math.exp(v - max);
                sum += max + Math.log(lse) - z[(int) p.label()];
            }
        }
        return ps.isEmpty() ? Double.NaN : sum / ps.size();
    }

    public static long[][] confusion(List<Prediction> ps, int classes) {
        long[][] c = new long[classes][classes];
        for (Prediction p : ps) c[(int) p.label()][p.predictedClass()]++;
        return c;
    }

    public static Map<String, Double> classification(long[][] c) {
        int k = c.length;
        long n = 0, correct = 0;
        long[] truth = new long[k], pred = new long[k];
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++) {
                n += c[i][j];
                truth[i] += c[i][j];
                pred[j] += c[i][j];
                if (i == j) correct += c[i][j];
            }
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("accuracy", n == 0 ? Double.NaN : (double) correct / n);
        m.put("f1", k == 2 ? f1(c, 1, truth, pred) : macroF1(c, truth, pred));
        double cov = (double) correct * n, sp = 0, st = 0;
        for (int i = 0; i < k; i++) {
            cov -= (double) pred[i] * truth[i];
            sp += (double) pred[i] * pred[i];
            st += (double) truth[i] * truth[i];
        }
        double denom = Math.sqrt(((double) n * n - sp) * ((double) n * n - st));
        m.put("mcc", denom == 0 ? 0.0 : cov / denom);
        m.put("examples", (double) n);
        return m;
    }

    private static double f1(long[][] c, int cls, long[] truth, long[] pred) {
        long tp = c[cls][cls];
        return tp == 0 ? 0.0 : 2.0 * tp / (truth[cls] + pred[cls]);
    }

    private static double macroF1(long[][] c, long[] truth, long[] pred) {
        double s = 0;
        for (int i = 0; i < c.length; i++) s += f1(c, i, truth, pred);
        return s / c.length;
    }

    public static Map<String, Double> regression(double[] predicted, double[] truth) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("pearson", pearson(predicted, truth));
        m.put("spearman", pearson(ranks(predicted), ranks(truth)));
        m.put("examples", (double) predicted.length);
        return m;
    }

    static double pearson(double[] x, double[] y) {
        int n = x.length;
        double mx = 0, my = 0;
        for (int i = 0; i < n; i++) {
            mx += x[i];
            my += y[i];
        }
        mx /= n;
        my /= n;
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < n; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxx == 0 || syy == 0 ? 0.0 : sxy / Math.sqrt(sxx * syy);
    }

    /** Ranks from 1, ties sharing their average rank. */
    static double[] ranks(double[] v) {
        Integer[] idx = new Integer[v.length];
        for (int i = 0; i < v.length; i++) idx[i] = i;
        Arrays.sort(idx, (a, b) -> Double.compare(v[a], v[b]));
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; ) {
            int j = i;
            while (j + 1 < v.length && v[idx[j + 1]] == v[idx[i]]) j++;
            double avg = (i + j) / 2.0 + 1;
            for (int t = i; t <= j; t++) r[idx[t]] = avg;
            i = j + 1;
        }
        return r;
    }
}
