package org.adamix.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.adamix.model.adamix.Router;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Stochastic routing: uniform, down and up independent, deterministic, and only chosen experts
 * learn.
 */
class RoutingTest {

    @Test
    void expertsAreDrawnUniformlyAndIndependently() {
        int m = 4, draws = 40_000;
        long[][] joint = new long[m][m];
        Router r = new Router(123);
        for (int step = 0; step < draws / 2; step++) {
            r.setStep(step);
            for (int view = 0; view < 2; view++) {
                Router.Route route = r.route(step % 3, view, m, m);
                joint[route.down()][route.up()]++;
            }
        }
        // Pearson chi-square on the 16 joint cells: uniform marginals and independence at once.
        double expected = draws / (double) (m * m), chi2 = 0;
        for (long[] row : joint)
            for (long o : row) chi2 += (o - expected) * (o - expected) / expected;
        // 15 degrees of freedom: P(chi2 > 30.58) = 0.01
        assertTrue(chi2 < 30.58, "chi-square " + chi2 + " rejects uniform independent routing");
        // marginals separately (3 dof, 1%: 11.34)
        double chiDown = 0, chiUp = 0;
        for (int i = 0; i < m; i++) {
            long d = 0, u = 0;
            for (int j = 0; j < m; j++) {
                d += joint[i][j];
                u += joint[j][i];
            }
            chiDown += Math.pow(d - draws / 4.0, 2) / (draws / 4.0);
            chiUp += Math.pow(u - draws / 4.0, 2) / (draws / 4.0);
        }
        assertTrue(chiDown < 11.34 && chiUp < 11.34, "marginals " + chiDown + " " + chiUp);
    }

    @Test
    void routesArePureFunctionsOfSeedStepLayerView() {
        Router a = new Router(5), b = new Router(5);
        Set<Router.Route> seen = new HashSet<>();
        for (int step = 0; step < 50; step++) {
            a.setStep(step);
            b.setStep(step);
            for (int layer = 0; layer < 3; layer++) {
                assertEquals(a.route(layer, 1, 4, 4), b.route(layer, 1, 4, 4));
                seen.add(a.route(layer, 0, 4, 4));
            }
        }
        assertEquals(16, seen.size(), "all 16 (down, up) pairs occur");
    }

    @Test
    void unchosenExpertsGetZeroGradient() {
        BertConfig c = Fixtures.tiny("gelu");
        AdaptationConfig a =
                AdaptationConfig.of(Method.ADAMIX_ADAPTER, 3)
                        .withExperts(4)
                        .withSharing(false, false)
                        .withConsistencyWeight(0);
        AdaMixModel model =
                AdaMixModel.build(
                        Fixtures.backbone(c),
                        a,
                        HeadConfig.classification(3),
                        OptimizerConfig.adam(1e-3),
                        1,
                        DataType.DOUBLE);
        Fixtures.randomize(model, 0.3, 2);
        Batch batch = Fixtures.batch(c, 3, false, DataType.DOUBLE, 1);
        model.computeGradientAndScore(batch);
        Router.Route route = model.router().route(0, 0, 4, 4);
        INDArray down = model.graph().getGradientsViewArray();
        var grads = model.graph().getLayer("layer0.ffn").getGradientsViewArray();
        var paramTable = model.graph().getLayer("layer0.ffn").paramTable();
        assertEquals(4, paramTable.get("adapter.ffn.down.weight").size(0));
        INDArray gradDown =
                org.adamix.model.layers.SublayerTestAccess.gradient(
                        model, "layer0.ffn", "adapter.ffn.down.weight");
        INDArray gradUp =
                org.adamix.model.layers.SublayerTestAccess.gradient(
                        model, "layer0.ffn", "adapter.ffn.up.weight");
        for (int e = 0; e < 4; e++) {
            double dn = gradDown.slice(e).norm2Number().doubleValue(),
                    up = gradUp.slice(e).norm2Number().doubleValue();
            if (e == route.down())
                assertTrue(dn > 0, "chosen down expert " + e + " has no gradient");
            else assertEquals(0.0, dn, "unchosen down expert " + e);
            if (e == route.up()) assertTrue(up > 0, "chosen up expert " + e + " has no gradient");
            else assertEquals(0.0, up, "unchosen up expert " + e);
        }
        assertTrue(down.length() == model.trainableParams().length() && grads.length() > 0);
    }

    /**
     * With copies (the authors' NLG code: M deep copies of one initialized module), every expert of
     * a mixture starts equal: the down projections of an adapter mixture and the A matrices of a
     * LoRA mixture; a single module draws what the first expert draws.
     */
    @Test
    void expertsStartAsCopiesOfOneModule() {
        BertConfig c = Fixtures.tiny("gelu");
        for (Method method : new Method[] {Method.ADAMIX_ADAPTER, Method.ADAMIX_LORA}) {
            AdaMixModel model =
                    AdaMixModel.build(
                            Fixtures.backbone(c),
                            AdaptationConfig.of(method, 3)
                                    .withExperts(4)
                                    .withSharing(false, false)
                                    .withIndependentExpertInit(false),
                            HeadConfig.classification(3),
                            OptimizerConfig.adam(1e-3),
                            1,
                            DataType.FLOAT);
            int checked = 0;
            for (var layer : model.graph().getLayers())
                for (var e : layer.paramTable().entrySet()) {
                    String k = e.getKey();
                    if (!(k.endsWith("down.weight") || k.endsWith(".A"))) continue;
                    INDArray stacked = e.getValue();
                    assertEquals(4, stacked.size(0), k);
                    float[] first = stacked.slice(0).dup().data().asFloat();
                    assertTrue(java.util.Arrays.stream(toDoubles(first)).anyMatch(v -> v != 0), k);
                    for (int x = 1; x < 4; x++)
                        org.junit.jupiter.api.Assertions.assertArrayEquals(
                                first, stacked.slice(x).dup().data().asFloat(), k + " expert " + x);
                    checked++;
                }
            assertTrue(checked > 0, method + ": no stacked tensor found");
        }
        // independent (the default of AdaptationConfig.of, the authors' NLU code): a draw each
        AdaMixModel independent =
                AdaMixModel.build(
                        Fixtures.backbone(c),
                        AdaptationConfig.of(Method.ADAMIX_ADAPTER, 3).withExperts(4),
                        HeadConfig.classification(3),
                        OptimizerConfig.adam(1e-3),
                        1,
                        DataType.FLOAT);
        INDArray down =
                independent
                        .graph()
                        .getLayer("layer0.ffn")
                        .paramTable()
                        .get("adapter.ffn.down.weight");
        assertTrue(
                !java.util.Arrays.equals(
                        down.slice(0).dup().data().asFloat(), down.slice(1).dup().data().asFloat()),
                "independent experts differ");
    }

    private static double[] toDoubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }
}
