package org.adamix.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.adamix.model.adamix.Router;
import org.adamix.model.layers.SublayerConf;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The training recipe around the loss: which tensors decay, gradient clipping, and the optimizer
 * step itself.
 */
class RecipeTest {

    /**
     * Every trainable tensor of a model and whether DL4J's updater applies the weight decay to it.
     */
    private static List<String> decayed(AdaMixModel m, boolean wanted) {
        List<String> out = new ArrayList<>();
        for (String name : m.sublayerNames()) {
            BaseLayer conf = (BaseLayer) m.layer(name).conf().getLayer();
            for (var p : ((SublayerConf) conf).trainableParams())
                if (!conf.getRegularizationByParam(p.key()).isEmpty() == wanted)
                    out.add(name + "/" + p.key());
        }
        BaseLayer head = (BaseLayer) m.layer("classifier").conf().getLayer();
        for (String k : List.of("W", "b"))
            if (!head.getRegularizationByParam(k).isEmpty() == wanted) out.add("classifier/" + k);
        return out;
    }

    @Test
    void biasesAndLayerNormsNeverDecayWhateverTheirRank() {
        BertConfig c = BertConfig.tiny(40, 8, 1, 2, 12, 16, "gelu");
        OptimizerConfig opt = OptimizerConfig.paper(1e-3, 10);
        AdaMixModel mix =
                AdaMixModel.build(
                        Fixtures.backbone(c),
                        AdaptationConfig.of(Method.ADAMIX_ADAPTER, 3).withTrainLayerNorms(true),
                        HeadConfig.classification(2),
                        opt,
                        1);
        assertEquals(
                new TreeSet<>(
                        List.of(
                                "layer0.ffn/adapter.ffn.down.weight",
                                "layer0.ffn/adapter.ffn.up.weight",
                                "classifier/W")),
                new TreeSet<>(decayed(mix, true)));
        assertEquals(
                new TreeSet<>(
                        List.of(
                                "layer0.ffn/adapter.ffn.down.bias",
                                "layer0.ffn/adapter.ffn.up.bias",
                                "layer0.attention/attention.output.LayerNorm.weight",
                                "layer0.attention/attention.output.LayerNorm.bias",
                                "layer0.ffn/output.LayerNorm.weight",
                                "layer0.ffn/output.LayerNorm.bias",
                                "embeddings/LayerNorm.weight",
                                "embeddings/LayerNorm.bias",
                                "classifier/b")),
                new TreeSet<>(decayed(mix, false)));
        AdaMixModel lora =
                AdaMixModel.build(
                        Fixtures.backbone(c),
                        AdaptationConfig.of(Method.ADAMIX_LORA, 3),
                        HeadConfig.classification(2),
                        opt,
                        1);
        assertEquals(
                new TreeSet<>(
                        List.of(
                                "layer0.attention/lora.query.A",
                                "layer0.attention/lora.query.B",
                                "layer0.attention/lora.value.A",
                                "layer0.attention/lora.value.B",
                                "classifier/W")),
                new TreeSet<>(decayed(lora, true)));
    }

    @Test
    void clippingScalesTheMeanGradientToTheMaximumNorm() {
        INDArray g =
                Nd4j.createFromArray(
                        new float[] {3f, 4f}); // sum over 2 rows: mean gradient (1.5, 2), norm 2.5
        AdaMixModel.clipGlobalNorm(g, 2, 1.0);
        assertEquals(1.0, g.norm2Number().doubleValue() / 2, 1e-6);
        assertEquals(0.75, g.getDouble(0) / g.getDouble(1), 1e-6, "direction kept");
        INDArray small = Nd4j.createFromArray(new float[] {0.3f, 0.4f});
        AdaMixModel.clipGlobalNorm(small, 1, 1.0);
        assertArrayEquals(
                new float[] {0.3f, 0.4f}, small.toFloatVector(), "below the limit: untouched");
        AdaMixModel.clipGlobalNorm(g.assign(100), 1, 0.0);
        assertArrayEquals(new float[] {100f, 100f}, g.toFloatVector(), "0 = off");
    }

    /**
     * Without clipping our step is exactly DL4J's own fit: same gradient, Adam, decay and update,
     * bit for bit.
     */
    @Test
    void stepWithoutClippingEqualsDl4jFitBitForBit() {
        BertConfig c = Fixtures.tiny("gelu").withDropout(0.1, 0.1);
        AdaptationConfig a = AdaptationConfig.of(Method.ADAMIX_ADAPTER, 3);
        OptimizerConfig opt = new OptimizerConfig(1e-2, 0.1, 0.3, 10, 0.9, 0.999, 1e-8, 0.0);
        AdaMixModel ours =
                AdaMixModel.build(Fixtures.backbone(c), a, HeadConfig.classification(3), opt, 4);
        AdaMixModel dl4j =
                AdaMixModel.build(Fixtures.backbone(c), a, HeadConfig.classification(3), opt, 4);
        Batch batch = Fixtures.batch(c, 3, false, DataType.FLOAT, 3);
        for (int step = 0; step < 3; step++) {
            ours.fit(batch);
            dl4j.router().setStep(step);
            Nd4j.getRandom().setSeed(Router.stepSeed(4, step));
            Batch b = batch.doubled();
            dl4j.graph()
                    .fit(
                            new MultiDataSet(
                                    new INDArray[] {b.tokens()},
                                    new INDArray[] {b.labels()},
                                    new INDArray[] {b.mask()},
                                    null));
            dl4j.setStep(step + 1);
            assertArrayEquals(
                    dl4j.trainableParams().dup().data().asFloat(),
                    ours.trainableParams().dup().data().asFloat(),
                    "step " + step);
        }
        assertArrayEquals(
                dl4j.updaterState().dup().data().asFloat(),
                ours.updaterState().dup().data().asFloat());
    }

    @Test
    void clippingChangesTheStepOnlyWhenTheGradientIsLarge() {
        float[] free = twoSteps(0.0), loose = twoSteps(1e9), tight = twoSteps(1e-4);
        assertArrayEquals(free, loose, "a limit never reached changes nothing");
        // Adam is invariant to one step's scale, so clipping shows from the second step on
        assertFalse(java.util.Arrays.equals(free, tight));
    }

    private static float[] twoSteps(double maxNorm) {
        BertConfig c = Fixtures.tiny("gelu");
        AdaMixModel m =
                AdaMixModel.build(
                        Fixtures.backbone(c),
                        AdaptationConfig.of(Method.PFEIFFER, 3),
                        HeadConfig.classification(3),
                        new OptimizerConfig(1e-2, 0, 0, 10, 0.9, 0.999, 1e-8, maxNorm),
                        4);
        Fixtures.randomize(m, 0.3, 2);
        for (int i = 0; i < 2; i++) m.fit(Fixtures.batch(c, 3, false, DataType.FLOAT, 3 + i));
        return m.trainableParams().dup().data().asFloat();
    }

    /**
     * Regression trains on (y − mean) / std and predicts mean + std · output; exports fold the
     * scale into the head.
     */
    @Test
    void regressionLearnsStandardisedTargetsAndPredictsInTheirUnits() {
        BertConfig c = Fixtures.tiny("gelu");
        HeadConfig head = HeadConfig.regressionHead().withPooling(HeadConfig.Pooling.MEAN);
        AdaMixModel scaled =
                AdaMixModel.build(
                        Fixtures.backbone(c),
                        AdaptationConfig.of(Method.PFEIFFER, 3),
                        head.withTargetScale(3.0, 2.0),
                        OptimizerConfig.adam(1e-3),
                        4);
        AdaMixModel plain =
                AdaMixModel.build(
                        Fixtures.backbone(c),
                        AdaptationConfig.of(Method.PFEIFFER, 3),
                        head,
                        OptimizerConfig.adam(1e-3),
                        4);
        Batch b = Fixtures.batch(c, 1, true, DataType.FLOAT, 3);
        Batch standardised = new Batch(b.tokens(), b.mask(), b.labels().sub(3.0).divi(2.0));
        assertEquals(
                plain.computeGradientAndScore(standardised),
                scaled.computeGradientAndScore(b),
                0.0);
        assertArrayEquals(
                plain.gradient().dup().data().asFloat(), scaled.gradient().dup().data().asFloat());
        float[] raw = plain.predict(b).dup().data().asFloat(),
                out = scaled.predict(b).dup().data().asFloat();
        for (int i = 0; i < raw.length; i++) assertEquals(3.0 + 2.0 * raw[i], out[i], 1e-5);
        assertArrayEquals(
                org.adamix.model.export.TrainedTensors.classifierWeight(plain)
                        .mul(2.0)
                        .data()
                        .asFloat(),
                org.adamix.model.export.TrainedTensors.classifierWeight(scaled).data().asFloat());
        assertEquals(
                2.0 * plain.layer("classifier").getParam("b").getDouble(0) + 3.0,
                org.adamix.model.export.TrainedTensors.classifierBias(scaled).getDouble(0),
                1e-6);
    }
}
