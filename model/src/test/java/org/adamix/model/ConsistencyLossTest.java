package org.adamix.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.adamix.model.adamix.ConsistencyLoss;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The consistency loss against hand-computed values and against its stop-gradient definition, in
 * both forms.
 */
class ConsistencyLossTest {
    private static final ActivationIdentity ID = new ActivationIdentity();
    private static final ConsistencyLoss.Form SYM = ConsistencyLoss.Form.SYMMETRIC_CE;
    private static final ConsistencyLoss.Form AUTHORS = ConsistencyLoss.Form.AUTHORS;

    @Test
    void authorsScoreIsCrossEntropyOfTheFirstViewPlusHalfTheSymmetricKl() {
        // the authors' symmetric_KL_loss: 0.5·[kl_div(log p, sg q) + kl_div(log q, sg p)],
        // kl_div(log a, b) = KL(b ‖ a)
        double[] z1 = {1.0, -0.5}, z2 = {0.2, 0.3};
        double[] p = softmax(z1), q = softmax(z2);
        double ce = -Math.log(p[1]); // label 1, first view only
        double klQP = q[0] * Math.log(q[0] / p[0]) + q[1] * Math.log(q[1] / p[1]);
        double klPQ = p[0] * Math.log(p[0] / q[0]) + p[1] * Math.log(p[1] / q[1]);
        double w = 0.5;
        INDArray logits = Nd4j.createFromArray(new double[][] {z1, z2});
        INDArray labels = Nd4j.createFromArray(new double[][] {{0, 1}, {0, 1}});
        double score =
                new ConsistencyLoss(w, 2, false, AUTHORS)
                        .computeScore(labels, logits, ID, null, true);
        assertEquals(ce + w * 0.5 * (klQP + klPQ), score, 1e-12);
        // one view: plain cross-entropy, whatever the form
        assertEquals(
                (-Math.log(p[1]) - Math.log(q[1])) / 2,
                new ConsistencyLoss(w, 1, false, AUTHORS)
                        .computeScore(labels, logits, ID, null, true),
                1e-12);
    }

    @Test
    void authorsGradientPullsEachViewTowardsTheOthersDetachedDistribution() {
        // view-1 row: d/dz of [2·CE(z) + w·KL(q fixed ‖ softmax z)]; view-2 row: d/dz of w·KL(p
        // fixed ‖ softmax z)
        // (the per-row sums the updater divides by 2B), checked by central differences
        double w = 0.7;
        INDArray logits =
                Nd4j.createFromArray(
                        new double[][] {
                            {0.3, -1.2, 0.5}, {1.1, 0.0, -0.4}, {0.9, 0.2, -0.1}, {-0.3, 0.8, 0.6}
                        });
        INDArray labels =
                Nd4j.createFromArray(new double[][] {{0, 0, 1}, {1, 0, 0}, {0, 0, 1}, {1, 0, 0}});
        INDArray grad =
                new ConsistencyLoss(w, 2, false, AUTHORS).computeGradient(labels, logits, ID, null);
        double h = 1e-6;
        for (int r = 0; r < 4; r++) {
            boolean first = r < 2;
            double[] fixed = softmax3(logits.getRow(first ? r + 2 : r - 2).toDoubleVector());
            double[] y = labels.getRow(r).toDoubleVector();
            for (int k = 0; k < 3; k++) {
                double[] zp = logits.getRow(r).toDoubleVector(), zm = zp.clone();
                zp[k] += h;
                zm[k] -= h;
                double numeric =
                        (authorsRow(zp, y, fixed, w, first) - authorsRow(zm, y, fixed, w, first))
                                / (2 * h);
                assertEquals(numeric, grad.getDouble(r, k), 1e-8, "row " + r + " class " + k);
            }
        }
    }

    @Test
    void authorsRegressionHasNoConsistencyTerm() {
        INDArray z = Nd4j.createFromArray(new double[][] {{0.5}});
        INDArray y = Nd4j.createFromArray(new double[][] {{0.0}});
        assertEquals(
                0.25,
                new ConsistencyLoss(2.0, 1, true, AUTHORS).computeScore(y, z, ID, null, true),
                1e-12);
        // and the model runs a single view for it
        AdaptationConfig a = AdaptationConfig.of(Method.ADAMIX_ADAPTER, 4);
        assertEquals(2, a.views());
        assertEquals(1, a.forHead(HeadConfig.regressionHead()).views());
        assertEquals(2, a.forHead(HeadConfig.classification(2)).views());
        assertEquals(2, a.withConsistency(SYM).forHead(HeadConfig.regressionHead()).views());
    }

    private static double authorsRow(
            double[] z, double[] y, double[] fixed, double w, boolean firstView) {
        double[] s = softmax3(z);
        double ce = 0, kl = 0;
        for (int i = 0; i < 3; i++) {
            ce -= y[i] * Math.log(s[i]);
            kl += fixed[i] * Math.log(fixed[i] / s[i]);
        }
        return (firstView ? 2 * ce : 0) + w * kl;
    }

    private static double[] softmax(double... z) {
        double m = Math.max(z[0], z[1]), a = Math.exp(z[0] - m), b = Math.exp(z[1] - m);
        return new double[] {a / (a + b), b / (a + b)};
    }

    @Test
    void scoreIsCrossEntropyOfBothViewsPlusSymmetricKl() {
        // one example, two views with logits z1, z2, label 0, w = 0.5
        double[] z1 = {1.0, -0.5}, z2 = {0.2, 0.3};
        double[] p = softmax(z1), q = softmax(z2);
        double ce = -Math.log(p[0]) - Math.log(q[0]);
        double kl1 = p[0] * Math.log(p[0] / q[0]) + p[1] * Math.log(p[1] / q[1]);
        double kl2 = q[0] * Math.log(q[0] / p[0]) + q[1] * Math.log(q[1] / p[1]);
        double expected = (ce + 0.5 * (kl1 + kl2)) / 2; // averaged over the 2 rows
        INDArray logits = Nd4j.createFromArray(new double[][] {z1, z2});
        INDArray labels = Nd4j.createFromArray(new double[][] {{1, 0}, {1, 0}});
        double score =
                new ConsistencyLoss(0.5, 2, false, SYM)
                        .computeScore(labels, logits, ID, null, true);
        assertEquals(expected, score, 1e-12);
        // w = 0 and one view: plain cross-entropy
        assertEquals(
                ce / 2,
                new ConsistencyLoss(0, 2, false, SYM).computeScore(labels, logits, ID, null, true),
                1e-12);
        assertEquals(
                ce / 2,
                new ConsistencyLoss(0.5, 1, false, SYM)
                        .computeScore(labels, logits, ID, null, true),
                1e-12);
    }

    @Test
    void gradientStopsAtTheOtherView() {
        // d/dz1 of [CE(z1) + w·KL(p(z1) ‖ q fixed)] and d/dz2 of [CE(z2) + w·KL(q(z2) ‖ p fixed)]
        double w = 0.7;
        INDArray logits =
                Nd4j.createFromArray(
                        new double[][] {
                            {0.3, -1.2, 0.5}, {1.1, 0.0, -0.4}, {0.9, 0.2, -0.1}, {-0.3, 0.8, 0.6}
                        });
        INDArray labels =
                Nd4j.createFromArray(new double[][] {{0, 0, 1}, {1, 0, 0}, {0, 0, 1}, {1, 0, 0}});
        ConsistencyLoss loss = new ConsistencyLoss(w, 2, false, SYM);
        INDArray grad = loss.computeGradient(labels, logits, ID, null);
        double h = 1e-6;
        for (int r = 0; r < 4; r++) {
            int partner = r < 2 ? r + 2 : r - 2;
            double[] fixed = softmax3(logits.getRow(partner).toDoubleVector());
            for (int k = 0; k < 3; k++) {
                double[] zp = logits.getRow(r).toDoubleVector(), zm = zp.clone();
                zp[k] += h;
                zm[k] -= h;
                double numeric =
                        (surrogate(zp, labels.getRow(r).toDoubleVector(), fixed, w)
                                        - surrogate(
                                                zm, labels.getRow(r).toDoubleVector(), fixed, w))
                                / (2 * h);
                assertEquals(numeric, grad.getDouble(r, k), 1e-8, "row " + r + " class " + k);
            }
        }
    }

    @Test
    void regressionConsistencyIsSquaredDifference() {
        INDArray z = Nd4j.createFromArray(new double[][] {{0.5}, {0.1}});
        INDArray y = Nd4j.createFromArray(new double[][] {{0.0}, {0.0}});
        ConsistencyLoss loss = new ConsistencyLoss(2.0, 2, true, SYM);
        // rows: 0.25 + 2·0.16, 0.01 + 2·0.16 → mean
        assertEquals(
                (0.25 + 0.32 + 0.01 + 0.32) / 2, loss.computeScore(y, z, ID, null, true), 1e-12);
        INDArray g = loss.computeGradient(y, z, ID, null);
        assertEquals(2 * 0.5 + 2 * 2.0 * 0.4, g.getDouble(0, 0), 1e-12);
        assertEquals(2 * 0.1 - 2 * 2.0 * 0.4, g.getDouble(1, 0), 1e-12);
    }

    private static double[] softmax3(double[] z) {
        double m = Math.max(z[0], Math.max(z[1], z[2]));
        double[] e = new double[3];
        double s = 0;
        for (int i = 0; i < 3; i++) s += e[i] = Math.exp(z[i] - m);
        for (int i = 0; i < 3; i++) e[i] /= s;
        return e;
    }

    private static double surrogate(double[] z, double[] y, double[] fixed, double w) {
        double[] p = softmax3(z);
        double ce = 0, kl = 0;
        for (int i = 0; i < 3; i++) {
            ce -= y[i] * Math.log(p[i]);
            kl += p[i] * Math.log(p[i] / fixed[i]);
        }
        return ce + w * kl;
    }
}
