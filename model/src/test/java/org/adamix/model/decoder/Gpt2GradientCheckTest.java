package org.adamix.model.decoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.adamix.model.AdaptationConfig;
import org.adamix.model.Method;
import org.adamix.model.OptimizerConfig;
import org.adamix.model.checkpoint.Gpt2Backbone;
import org.adamix.model.checkpoint.Gpt2FolderReader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The decoder's backward pass against central finite differences, in float64, for every method.
 *
 * <p>The loss is written out here, independently of {@code LmLoss}: label-smoothed cross-entropy
 * over the completion tokens of view 1 and, for AdaMix, w·½[KL(sg q‖p) + KL(sg p‖q)] per target
 * token. Because of the stop-gradient the analytic gradient is that of a surrogate with the other
 * view frozen at θ₀, S(θ) = CE(p(θ)) + w·(1/N)·Σ ½[KL(q(θ₀)‖p(θ)) + KL(p(θ₀)‖q(θ))], which finite
 * differences reproduce. Routes are random (a function of the step, so every evaluation takes the
 * same ones) and LoRA dropout is on (its masks a function of the step too). The trainable vector is
 * drawn at random first, so that LoRA's B and the adapters' up-projections are not zero and every
 * tensor has a gradient to check.
 */
class Gpt2GradientCheckTest {
    private static final double SMOOTHING = 0.1, WEIGHT = 3.0;
    private static Gpt2Backbone tiny;

    @BeforeAll
    static void load() throws Exception {
        tiny = Gpt2FolderReader.read(Gpt2Fixtures.tinyDir());
    }

    /** Two rows of different lengths (right padding), prompts ending in a separator token. */
    static LmBatch batch() {
        return LmBatch.of(
                List.of(new int[] {5, 17, 42, 96}, new int[] {8, 3, 96}),
                List.of(new int[] {11, 64, 2, 0}, new int[] {70, 0}));
    }

    @ParameterizedTest
    @EnumSource(
            value = Method.class,
            names = {"FULL", "LORA", "ADAMIX_LORA", "PFEIFFER", "HOULSBY", "ADAMIX_ADAPTER"})
    void backwardMatchesFiniteDifferences(Method method) {
        AdaptationConfig a =
                AdaptationConfig.of(method, 4)
                        .withExperts(3)
                        .withConsistencyWeight(WEIGHT)
                        .withLoraAlpha(8)
                        .withLoraDropout(method.lora() ? 0.1 : 0);
        Gpt2LmModel model =
                Gpt2LmModel.build(
                        tiny, a, OptimizerConfig.adam(1e-3), SMOOTHING, 7, DataType.DOUBLE);
        INDArray params = model.trainableParams();
        SplittableRandom r = new SplittableRandom(11);
        for (long i = 0; i < params.length(); i++)
            params.putScalar(i, params.getDouble(i) + 0.05 * (2 * r.nextDouble() - 1));
        model.setStep(3);
        LmBatch batch = batch();
        int views = a.views();
        assertEquals(method.mixture() ? 2 : 1, views);

        double value = model.computeGradientAndScore(batch);
        INDArray analytic = model.gradient().dup();
        INDArray z0 = model.trainingLogits(batch).dup();
        assertEquals(surrogate(z0, z0, batch.targets(), views), value, 1e-10, "the loss itself");
        if (views == 2) {
            long half = z0.size(0) / 2;
            assertTrue(
                    Math.abs(z0.getDouble(0, 0) - z0.getDouble(half, 0)) > 1e-6,
                    "the two views take different routes");
        }

        int checks = 0;
        double eps = 1e-5;
        long n = params.length(), stride = Math.max(1, n / 300);
        for (long i = r.nextLong(stride); i < n; i += stride) {
            double x = params.getDouble(i);
            params.putScalar(i, x + eps);
            double up = surrogate(model.trainingLogits(batch), z0, batch.targets(), views);
            params.putScalar(i, x - eps);
            double down = surrogate(model.trainingLogits(batch), z0, batch.targets(), views);
            params.putScalar(i, x);
            double numeric = (up - down) / (2 * eps), g = analytic.getDouble(i);
            double err = Math.abs(numeric - g) / Math.max(1e-6, Math.abs(numeric) + Math.abs(g));
            assertTrue(
                    err < 1e-5 || Math.abs(numeric - g) < 1e-8,
                    method + " param " + i + ": analytic " + g + ", numeric " + numeric);
            checks++;
        }
        assertTrue(checks >= 100, "checked " + checks);
    }

    /**
     * CE of view 1 with label smoothing + (two views) w·½[KL(q₀‖p) + KL(p₀‖q)], per target token; z
     * are the logits at θ, z0 at θ₀, [views·rows, V].
     */
    static double surrogate(INDArray z, INDArray z0, int[] targets, int views) {
        int rows = targets.length, n = 0;
        double total = 0;
        for (int r = 0; r < rows; r++) {
            int y = targets[r];
            if (y < 0) continue;
            n++;
            double[] logP = logSoftmax(z, r);
            double ce = 0;
            for (double lp : logP) ce -= lp / logP.length;
            total += (1 - SMOOTHING) * -logP[y] + SMOOTHING * ce;
            if (views == 1) continue;
            double[] logQ = logSoftmax(z, rows + r);
            double[] logP0 = logSoftmax(z0, r), logQ0 = logSoftmax(z0, rows + r);
            double klQ0P = 0, klP0Q = 0;
            for (int v = 0; v < logP.length; v++) {
                klQ0P += Math.exp(logQ0[v]) * (logQ0[v] - logP[v]);
                klP0Q += Math.exp(logP0[v]) * (logP0[v] - logQ[v]);
            }
            total += WEIGHT * 0.5 * (klQ0P + klP0Q);
        }
        return total / n;
    }

    private static double[] logSoftmax(INDArray z, long row) {
        double[] v = z.getRow(row).toDoubleVector();
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (double x : v) max = Math.max(max, x);
        for (double x : v) sum += Math.exp(x - max);
        double log = max + Math.log(sum);
        for (int i = 0; i < v.length; i++) v[i] -= log;
        return v;
    }
}
