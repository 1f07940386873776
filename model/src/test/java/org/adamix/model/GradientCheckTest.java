package org.adamix.model;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.adamix.model.adamix.Router;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Analytic gradients of every method against central finite differences of the loss, in double
 * precision on a tiny model: every trainable parameter of small methods, a random sample for full.
 */
class GradientCheckTest {

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String act : List.of("gelu", "gelu_new")) {
            out.add(Arguments.of(AdaptationConfig.of(Method.FULL, 4), act, false, false));
            out.add(Arguments.of(AdaptationConfig.of(Method.HOULSBY, 4), act, false, true));
            out.add(Arguments.of(AdaptationConfig.of(Method.PFEIFFER, 4), act, false, false));
            out.add(
                    Arguments.of(
                            AdaptationConfig.of(Method.LORA, 4).withTrainLayerNorms(true),
                            act,
                            false,
                            false));
        }
        AdaptationConfig mixA =
                AdaptationConfig.of(Method.ADAMIX_ADAPTER, 3)
                        .withExperts(3)
                        .withConsistencyWeight(0);
        AdaptationConfig mixL =
                AdaptationConfig.of(Method.ADAMIX_LORA, 3).withExperts(3).withConsistencyWeight(0);
        for (boolean[] share : new boolean[][] {{false, false}, {true, false}, {false, true}}) {
            out.add(Arguments.of(mixA.withSharing(share[0], share[1]), "gelu", false, false));
            out.add(Arguments.of(mixL.withSharing(share[0], share[1]), "gelu_new", false, false));
        }
        out.add(Arguments.of(AdaptationConfig.of(Method.PFEIFFER, 4), "gelu", true, false));
        return out.stream();
    }

    /**
     * The heads: masked mean pooling and the backbone's frozen pooler, for classification and
     * regression.
     */
    @ParameterizedTest(name = "{0} regression={1}")
    @org.junit.jupiter.params.provider.EnumSource(HeadConfig.Pooling.class)
    void everyHeadMatchesFiniteDifferences(HeadConfig.Pooling pooling) {
        for (boolean regression : new boolean[] {false, true}) {
            BertConfig c = Fixtures.tiny("gelu");
            HeadConfig head =
                    (regression ? HeadConfig.regressionHead() : HeadConfig.classification(3))
                            .withPooling(pooling);
            AdaMixModel m =
                    AdaMixModel.build(
                            Fixtures.backbone(c),
                            AdaptationConfig.of(Method.PFEIFFER, 3),
                            head,
                            OptimizerConfig.adam(1e-3),
                            11,
                            DataType.DOUBLE);
            Fixtures.randomize(m, 0.3, 5);
            check(m, Fixtures.batch(c, 3, regression, DataType.DOUBLE, 3), 120);
        }
    }

    /**
     * LoRA's dropout on the branch input and the FFN dropout after the adapter (the authors'
     * order).
     */
    @org.junit.jupiter.api.Test
    void gradientWithLoraDropoutAndAdapterBeforeDropout() {
        BertConfig c = Fixtures.tiny("gelu").withDropout(0.2, 0.1);
        for (AdaptationConfig a :
                List.of(
                        AdaptationConfig.of(Method.ADAMIX_LORA, 3)
                                .withExperts(2)
                                .withConsistencyWeight(0)
                                .withLoraDropout(0.3)
                                .withLoraAlpha(6),
                        AdaptationConfig.of(Method.PFEIFFER, 3))) {
            AdaMixModel m =
                    AdaMixModel.build(
                            Fixtures.backbone(c),
                            a,
                            HeadConfig.classification(3),
                            OptimizerConfig.adam(1e-3),
                            11,
                            DataType.DOUBLE);
            Fixtures.randomize(m, 0.3, 5);
            if (a.method().mixture()) m.router().fix(new Router.Route(1, 0));
            check(m, Fixtures.batch(c, 3, false, DataType.DOUBLE, 3), 120);
        }
    }

    /**
     * Dropout masks are redrawn from the step's seed, so they are identical across the evaluations.
     */
    @org.junit.jupiter.api.Test
    void gradientWithDropoutAndConsistencyOff() {
        BertConfig c = Fixtures.tiny("gelu_new").withDropout(0.2, 0.2);
        AdaptationConfig a = AdaptationConfig.of(Method.HOULSBY, 3);
        AdaMixModel m =
                AdaMixModel.build(
                        Fixtures.backbone(c),
                        a,
                        HeadConfig.classification(3),
                        OptimizerConfig.adam(1e-3),
                        11,
                        DataType.DOUBLE);
        Fixtures.randomize(m, 0.3, 5);
        Batch batch = Fixtures.batch(c, 3, false, DataType.DOUBLE, 3);
        double first = m.computeGradientAndScore(batch);
        org.junit.jupiter.api.Assertions.assertEquals(
                first, m.computeGradientAndScore(batch), 0.0, "same step, same masks");
        m.setStep(1);
        org.junit.jupiter.api.Assertions.assertNotEquals(
                first, m.computeGradientAndScore(batch), "another step draws other masks");
        m.setStep(0);
        check(m, batch, 120);
    }

    @ParameterizedTest(name = "{0} act={1} regression={2} pooler={3}")
    @MethodSource("cases")
    void analyticGradientMatchesFiniteDifferences(
            AdaptationConfig a, String act, boolean regression, boolean pooler) {
        BertConfig c = Fixtures.tiny(act);
        HeadConfig head =
                regression
                        ? HeadConfig.regressionHead()
                        : HeadConfig.classification(3)
                                .withPooling(
                                        pooler
                                                ? HeadConfig.Pooling.POOLER
                                                : HeadConfig.Pooling.CLS);
        AdaMixModel m =
                AdaMixModel.build(
                        Fixtures.backbone(c),
                        a,
                        head,
                        OptimizerConfig.adam(1e-3),
                        11,
                        DataType.DOUBLE);
        Fixtures.randomize(m, 0.3, 5);
        if (a.method().mixture()) m.router().fix(new Router.Route(1, 2));
        Batch batch = Fixtures.batch(c, 3, regression, DataType.DOUBLE, 3);
        check(m, batch, 120);
    }

    /** Compares d(score)/dθ for up to {@code maxChecks} parameters (a fixed random sample). */
    static void check(AdaMixModel m, Batch batch, int maxChecks) {
        m.computeGradientAndScore(batch);
        INDArray analytic = m.gradient().dup().divi(m.rowsPerStep(batch));
        INDArray params = m.trainableParams();
        long n = params.length();
        List<Long> idx = new ArrayList<>();
        SplittableRandom r = new SplittableRandom(1);
        for (long i = 0; i < n; i++)
            if (n <= maxChecks || r.nextDouble() < (double) maxChecks / n) idx.add(i);
        double h = 1e-6;
        int failures = 0;
        StringBuilder msg = new StringBuilder();
        for (long i : idx) {
            double orig = params.getDouble(i);
            params.putScalar(i, orig + h);
            double plus = m.computeGradientAndScore(batch);
            params.putScalar(i, orig - h);
            double minus = m.computeGradientAndScore(batch);
            params.putScalar(i, orig);
            double numeric = (plus - minus) / (2 * h);
            double a = analytic.getDouble(i);
            double rel = Math.abs(a - numeric) / Math.max(Math.abs(a) + Math.abs(numeric), 1e-12);
            if (rel > 1e-5 && Math.abs(a - numeric) > 1e-9) {
                if (failures++ < 10)
                    msg.append(
                            String.format(
                                    "param %d: analytic %.10g numeric %.10g%n", i, a, numeric));
            }
        }
        if (failures > 0) fail(failures + " of " + idx.size() + " gradients differ:\n" + msg);
        assertTrue(idx.size() > 0);
    }
}
