package org.adamix.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.HashMap;
import java.util.Map;
import org.adamix.model.checkpoint.Backbone;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The backbone stays bit-for-bit frozen; parameter counts follow the formulas. */
class FrozenAndCountsTest {

    @ParameterizedTest
    @EnumSource(
            value = Method.class,
            names = {"HOULSBY", "PFEIFFER", "LORA", "ADAMIX_ADAPTER", "ADAMIX_LORA"})
    void backboneUnchangedAfterTraining(Method method) {
        BertConfig c = Fixtures.tiny("gelu");
        Backbone bb = Fixtures.backbone(c);
        Map<String, float[]> before = new HashMap<>();
        bb.tensors().forEach((k, v) -> before.put(k, BitExact.floats(v)));
        AdaMixModel m =
                AdaMixModel.build(
                        bb,
                        AdaptationConfig.of(method, 4),
                        HeadConfig.classification(3),
                        OptimizerConfig.adam(1e-2),
                        1);
        INDArray start = m.trainableParams().dup();
        for (int i = 0; i < 5; i++) m.fit(Fixtures.batch(c, 3, false, DataType.FLOAT, i));
        assertNotEquals(start, m.trainableParams(), "training changed nothing");
        bb.tensors()
                .forEach(
                        (k, v) ->
                                assertArrayEquals(
                                        before.get(k), BitExact.floats(v), k + " changed"));
    }

    /** Bottleneck adapter per layer: 2·d·r + r + d; LoRA on Q and V: 2·(r·d + d·r). */
    @Test
    void trainableCountsFollowTheFormulas() {
        BertConfig c = BertConfig.tiny(100, 32, 3, 4, 64, 32, "gelu");
        long d = 32, r = 8, l = 3, m = 4, head = d * 2 + 2;
        long adapter = 2 * d * r + r + d;
        assertEquals(
                l * adapter, counts(c, AdaptationConfig.of(Method.PFEIFFER, (int) r)).adaptation());
        assertEquals(
                2 * l * adapter,
                counts(c, AdaptationConfig.of(Method.HOULSBY, (int) r)).adaptation());
        assertEquals(
                l * 2 * 2 * r * d,
                counts(c, AdaptationConfig.of(Method.LORA, (int) r)).adaptation());
        // AdaMix adapters, shared project-up: M down experts, one up
        ParamCounts mix =
                counts(c, AdaptationConfig.of(Method.ADAMIX_ADAPTER, (int) r).withExperts((int) m));
        assertEquals(l * (m * (d * r + r) + (r * d + d)), mix.adaptation());
        assertEquals(l * adapter, mix.adaptationAfterMerge());
        assertEquals(mix.adaptation() + head, mix.trainable());
        ParamCounts mixLora =
                counts(
                        c,
                        AdaptationConfig.of(Method.ADAMIX_LORA, (int) r)
                                .withExperts((int) m)
                                .withSharing(true, false));
        assertEquals(l * 2 * (r * d + m * d * r), mixLora.adaptation());
        assertEquals(l * 2 * 2 * r * d, mixLora.adaptationAfterMerge());
        // the graph's flat vector has exactly the trainable count
        AdaMixModel model =
                AdaMixModel.build(
                        Fixtures.backbone(c),
                        AdaptationConfig.of(Method.ADAMIX_ADAPTER, (int) r),
                        HeadConfig.classification(2),
                        OptimizerConfig.adam(1e-3),
                        1);
        assertEquals(model.paramCounts().trainable(), model.trainableParams().length());
    }

    /**
     * The paper's numbers: merged AdaMix = one adapter (BERT-base r=48: 0.89 M; RoBERTa-large r=16:
     * 0.81 M).
     */
    @Test
    void mergedAdaMixHasTheSizeOfOneAdapter() {
        BertConfig base =
                new BertConfig(
                        "bert", 30522, 768, 12, 12, 3072, 512, 2, 1e-12, "gelu", 0.1, 0.1, 0);
        BertConfig large =
                new BertConfig(
                        "roberta", 50265, 1024, 24, 16, 4096, 514, 1, 1e-5, "gelu", 0.1, 0.1, 1);
        assertEquals(
                894_528,
                counts(base, AdaptationConfig.of(Method.ADAMIX_ADAPTER, 48))
                        .adaptationAfterMerge());
        assertEquals(
                811_392,
                counts(large, AdaptationConfig.of(Method.ADAMIX_ADAPTER, 16))
                        .adaptationAfterMerge());
        assertEquals(894_528, counts(base, AdaptationConfig.of(Method.PFEIFFER, 48)).adaptation());
        ParamCounts full = counts(base, AdaptationConfig.of(Method.FULL, 48));
        assertEquals(full.total(), full.trainable());
    }

    private static ParamCounts counts(BertConfig c, AdaptationConfig a) {
        return ParamCounts.of(c, a, HeadConfig.classification(2), false);
    }
}
