package org.adamix.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The merged single module computes what the mixture computes in evaluation mode. */
class MergeTest {

    static Stream<Arguments> mixtures() {
        List<Arguments> out = new ArrayList<>();
        for (Method m : List.of(Method.ADAMIX_ADAPTER, Method.ADAMIX_LORA))
            for (boolean[] share : new boolean[][] {{false, false}, {true, false}, {false, true}})
                out.add(
                        Arguments.of(
                                AdaptationConfig.of(m, 4)
                                        .withExperts(4)
                                        .withSharing(share[0], share[1])));
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mixtures")
    void mergedOutputsEqualMixtureInEvaluationMode(AdaptationConfig a) {
        BertConfig c = BertConfig.tiny(50, 16, 2, 2, 32, 16, "gelu");
        AdaMixModel mix =
                AdaMixModel.build(
                        Fixtures.backbone(c),
                        a,
                        HeadConfig.classification(3),
                        OptimizerConfig.adam(1e-3),
                        3);
        Fixtures.randomize(mix, 0.2, 4); // distinct experts, non-zero project-up / B
        Batch batch = Fixtures.batch(c, 3, false, DataType.FLOAT, 6);
        INDArray expected = mix.predict(batch).dup();

        AdaMixModel merged = mix.merge(false);
        assertEquals(
                a.method() == Method.ADAMIX_ADAPTER ? Method.PFEIFFER : Method.LORA,
                merged.adaptation().method());
        assertTrue(
                expected.equalsWithEps(merged.predict(batch), 1e-5),
                "merged differs from the mixture");
        assertEquals(mix.paramCounts().adaptationAfterMerge(), merged.paramCounts().adaptation());
        assertEquals(merged.paramCounts().trainable(), merged.trainableParams().length());

        if (a.method() == Method.ADAMIX_LORA) {
            AdaMixModel folded = mix.merge(true);
            assertEquals(Method.NONE, folded.adaptation().method());
            assertEquals(0, folded.paramCounts().adaptation());
            assertTrue(
                    expected.equalsWithEps(folded.predict(batch), 1e-5),
                    "folded LoRA differs from the mixture");
        }
        // and the mixture really is a mixture: training-mode routes give other outputs
        INDArray train = Fixtures.trainingLogits(mix, batch);
        INDArray firstView =
                train.get(
                        org.nd4j.linalg.indexing.NDArrayIndex.interval(0, batch.size()),
                        org.nd4j.linalg.indexing.NDArrayIndex.all());
        assertTrue(firstView.sub(expected).amaxNumber().doubleValue() > 1e-4);
    }
}
