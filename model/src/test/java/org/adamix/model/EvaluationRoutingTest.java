package org.adamix.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.adamix.model.adamix.AdapterMixture;
import org.adamix.model.adamix.ExpertWeights;
import org.adamix.model.adamix.LoraMixture;
import org.adamix.model.adamix.Router;
import org.adamix.model.adamix.TensorLookup;
import org.adamix.model.ops.Buffers;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The authors' evaluation-time routing levels: each row computes exactly with its own (down, up)
 * experts, one pair per sequence or per token, written out row by row here in plain double
 * arithmetic.
 */
class EvaluationRoutingTest {
    private static final int M = 3, R = 2, H = 4, T = 5, B = 3;

    private static INDArray random(SplittableRandom r, long... shape) {
        INDArray a = Nd4j.create(DataType.DOUBLE, shape);
        for (long i = 0; i < a.length(); i++) a.putScalar(i, r.nextDouble() * 2 - 1);
        return a;
    }

    /** A module's tensors by key (values only: evaluation needs no gradients). */
    private static TensorLookup lookup(Map<String, INDArray> values) {
        return new TensorLookup() {
            @Override
            public INDArray value(String key) {
                return values.get(key);
            }

            @Override
            public INDArray gradient(String key) {
                return null;
            }
        };
    }

    /** The tanh form ("gelu_new"), written out. */
    private static double gelu(double x) {
        return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    }

    @Test
    void adapterRowsUseTheirOwnExperts() {
        for (Router.Evaluation mode :
                new Router.Evaluation[] {Router.Evaluation.SEQUENCE, Router.Evaluation.TOKEN}) {
            SplittableRandom r = new SplittableRandom(1);
            ExpertWeights down = new ExpertWeights(random(r, M, R, H), random(r, M, R));
            ExpertWeights up = new ExpertWeights(random(r, M, H, R), random(r, M, H));
            INDArray x = random(r, B * T, H), y = Nd4j.create(DataType.DOUBLE, B * T, H);
            Router router = new Router(9);
            router.setEvaluation(mode);
            router.setRowsPerSequence(T);
            AdaptationConfig config = AdaptationConfig.of(Method.ADAMIX_ADAPTER, R).withExperts(M);
            TensorLookup tensors =
                    lookup(
                            Map.of(
                                    "a.down.weight",
                                    down.weight(),
                                    "a.down.bias",
                                    down.bias(),
                                    "a.up.weight",
                                    up.weight(),
                                    "a.up.bias",
                                    up.bias()));
            new AdapterMixture(
                            "a",
                            2,
                            H,
                            config,
                            Gelu.of("gelu_new"),
                            router,
                            tensors,
                            new Buffers(DataType.DOUBLE))
                    .forward(x, y, false, 1);
            int[] d = router.evaluationExperts(2, 0, B * T, M),
                    u = router.evaluationExperts(2, 1, B * T, M);
            Set<Integer> pairs = new HashSet<>();
            for (int i = 0; i < B * T; i++) {
                pairs.add(d[i] * M + u[i]);
                if (mode == Router.Evaluation.SEQUENCE) {
                    assertEquals(d[i - i % T], d[i], "one down expert per sequence");
                    assertEquals(u[i - i % T], u[i], "one up expert per sequence");
                }
                double[] g = new double[R];
                for (int k = 0; k < R; k++) {
                    double s = down.bias().getDouble(d[i], k);
                    for (int j = 0; j < H; j++)
                        s += down.weight().getDouble(d[i], k, j) * x.getDouble(i, j);
                    g[k] = gelu(s);
                }
                for (int j = 0; j < H; j++) {
                    double s = x.getDouble(i, j) + up.bias().getDouble(u[i], j);
                    for (int k = 0; k < R; k++) s += up.weight().getDouble(u[i], j, k) * g[k];
                    assertEquals(s, y.getDouble(i, j), 1e-12, mode + " row " + i + " column " + j);
                }
            }
            assertTrue(pairs.size() > 1, "rows took different experts");
        }
    }

    @Test
    void loraRowsUseTheirOwnExperts() {
        SplittableRandom r = new SplittableRandom(2);
        ExpertWeights a = new ExpertWeights(random(r, M, R, H), null),
                b = new ExpertWeights(random(r, 1, H, R), null);
        INDArray x = random(r, B * T, H), y0 = random(r, B * T, H), y = y0.dup();
        Router router = new Router(4);
        router.setEvaluation(Router.Evaluation.TOKEN);
        double scale = 1.5;
        AdaptationConfig config =
                AdaptationConfig.of(Method.ADAMIX_LORA, R).withExperts(M).withLoraAlpha(scale * R);
        TensorLookup tensors = lookup(Map.of("l.A", a.weight(), "l.B", b.weight()));
        new LoraMixture("l", 0, H, H, config, router, tensors, new Buffers(DataType.DOUBLE))
                .forward(x, y, false, 1);
        int[] d = router.evaluationExperts(0, 0, B * T, M);
        for (int i = 0; i < B * T; i++)
            for (int j = 0; j < H; j++) {
                double s = y0.getDouble(i, j);
                for (int k = 0; k < R; k++) {
                    double xa = 0;
                    for (int c = 0; c < H; c++)
                        xa += a.weight().getDouble(d[i], k, c) * x.getDouble(i, c);
                    s += scale * b.weight().getDouble(0, j, k) * xa;
                }
                assertEquals(s, y.getDouble(i, j), 1e-12, "row " + i);
            }
    }

    @Test
    void averagedRoutingIsTheMergedModelAndRandomRoutingDiffers() {
        BertConfig c = Fixtures.tiny("gelu");
        AdaMixModel m =
                AdaMixModel.build(
                        Fixtures.backbone(c),
                        AdaptationConfig.of(Method.ADAMIX_ADAPTER, 3),
                        HeadConfig.classification(3),
                        OptimizerConfig.adam(1e-3),
                        3,
                        DataType.DOUBLE);
        Fixtures.randomize(m, 0.3, 1);
        Batch batch = Fixtures.batch(c, 3, false, DataType.DOUBLE, 2);
        double[] averaged = m.predict(batch).dup().data().asDouble();
        assertArrayEquals(m.merge(false).predict(batch).dup().data().asDouble(), averaged, 1e-12);
        m.setEvaluationRouting(Router.Evaluation.SEQUENCE);
        double[] routed = m.predict(batch).dup().data().asDouble();
        assertArrayEquals(routed, m.predict(batch).dup().data().asDouble(), 0.0, "reproducible");
        assertTrue(!java.util.Arrays.equals(averaged, routed));
    }
}
