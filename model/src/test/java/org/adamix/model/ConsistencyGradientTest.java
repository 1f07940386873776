package org.adamix.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.SplittableRandom;
import org.adamix.model.adamix.ConsistencyLoss;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The whole model under the consistency loss with two randomly routed views. Because of the
 * stop-gradient the analytic gradient is that of a surrogate with the other view frozen at θ₀,
 * which finite differences reproduce: for the authors' form S(θ) = Σ 2·CE(p(θ)) + w·Σ [KL(q(θ₀) ‖
 * p(θ)) + KL(p(θ₀) ‖ q(θ))], for symmetric-ce S(θ) = Σ CE + w·Σ [KL(p(θ) ‖ q(θ₀)) + KL(q(θ) ‖
 * p(θ₀))] (both over 2B rows).
 */
class ConsistencyGradientTest {

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(ConsistencyLoss.Form.class)
    void mixtureGradientMatchesStopGradientSurrogate(ConsistencyLoss.Form form) {
        BertConfig c = Fixtures.tiny("gelu");
        double w = 1.5;
        AdaptationConfig a =
                AdaptationConfig.of(Method.ADAMIX_ADAPTER, 3)
                        .withExperts(4)
                        .withConsistencyWeight(w)
                        .withConsistency(form);
        AdaMixModel m =
                AdaMixModel.build(
                        Fixtures.backbone(c),
                        a,
                        HeadConfig.classification(3),
                        OptimizerConfig.adam(1e-3),
                        21,
                        DataType.DOUBLE);
        Fixtures.randomize(m, 0.3, 9);
        Batch batch = Fixtures.batch(c, 3, false, DataType.DOUBLE, 4);
        m.setStep(3); // a step whose two views take different routes in some layer
        Fixtures.trainingLogits(m, batch);
        INDArray z0 = Fixtures.trainingLogits(m, batch);
        long rows = z0.size(0), b = rows / 2;
        assertNotEquals(
                z0.getRow(0).getDouble(0), z0.getRow(b).getDouble(0), "views should differ");

        m.computeGradientAndScore(batch);
        INDArray analytic = m.gradient().dup().divi(rows);
        INDArray labels = batch.doubled().labels();
        INDArray params = m.trainableParams();
        SplittableRandom r = new SplittableRandom(2);
        double h = 1e-6;
        int checked = 0;
        for (long i = 0; i < params.length(); i++) {
            if (r.nextDouble() > 0.25) continue;
            double orig = params.getDouble(i);
            params.putScalar(i, orig + h);
            double plus = surrogate(Fixtures.trainingLogits(m, batch), z0, labels, w, form);
            params.putScalar(i, orig - h);
            double minus = surrogate(Fixtures.trainingLogits(m, batch), z0, labels, w, form);
            params.putScalar(i, orig);
            double numeric = (plus - minus) / (2 * h);
            assertEquals(
                    numeric, analytic.getDouble(i), 1e-7 + 1e-5 * Math.abs(numeric), "param " + i);
            checked++;
        }
        assertNotEquals(0, checked);
    }

    /** Mean over rows of the form's per-row surrogate. */
    private static double surrogate(
            INDArray z, INDArray z0, INDArray labels, double w, ConsistencyLoss.Form form) {
        long rows = z.size(0), b = rows / 2;
        double total = 0;
        for (int i = 0; i < rows; i++) {
            double[] p = softmax(z.getRow(i).toDoubleVector());
            double[] fixed = softmax(z0.getRow(i < b ? i + b : i - b).toDoubleVector());
            double[] y = labels.getRow(i).toDoubleVector();
            for (int k = 0; k < p.length; k++) {
                if (form == ConsistencyLoss.Form.AUTHORS)
                    total +=
                            (i < b ? -2 * y[k] * Math.log(p[k]) : 0)
                                    + w * fixed[k] * Math.log(fixed[k] / p[k]);
                else total += -y[k] * Math.log(p[k]) + w * p[k] * Math.log(p[k] / fixed[k]);
            }
        }
        return total / rows;
    }

    private static double[] softmax(double[] z) {
        double m = Double.NEGATIVE_INFINITY, s = 0;
        for (double v : z) m = Math.max(m, v);
        double[] e = new double[z.length];
        for (int i = 0; i < z.length; i++) s += e[i] = Math.exp(z[i] - m);
        for (int i = 0; i < z.length; i++) e[i] /= s;
        return e;
    }
}
