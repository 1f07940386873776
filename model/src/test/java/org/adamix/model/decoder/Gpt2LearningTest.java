package org.adamix.model.decoder;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.adamix.model.AdaptationConfig;
import org.adamix.model.Method;
import org.adamix.model.OptimizerConfig;
import org.adamix.model.checkpoint.Gpt2Backbone;
import org.adamix.model.checkpoint.Gpt2FolderReader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Every decoder method fits one small batch on the frozen tiny GPT-2: the evaluation loss per
 * target token (experts averaged) falls to well under its start within 60 AdamW steps.
 */
class Gpt2LearningTest {
    private static Gpt2Backbone tiny;

    @BeforeAll
    static void load() throws Exception {
        tiny = Gpt2FolderReader.read(Gpt2Fixtures.tinyDir());
    }

    @ParameterizedTest
    @EnumSource(
            value = Method.class,
            names = {"FULL", "LORA", "ADAMIX_LORA", "PFEIFFER", "ADAMIX_ADAPTER"})
    void fitsABatch(Method method) {
        AdaptationConfig a =
                AdaptationConfig.of(method, 4)
                        .withExperts(4)
                        .withLoraAlpha(32)
                        .withLoraDropout(method.lora() ? 0.1 : 0);
        double lr = method == Method.FULL ? 3e-3 : 1e-2;
        Gpt2LmModel m =
                Gpt2LmModel.build(
                        tiny,
                        a,
                        new OptimizerConfig(lr, 0.01, 0.1, 60, 0.9, 0.999, 1e-8, 1.0),
                        0.1,
                        1,
                        DataType.FLOAT);
        LmBatch batch = Gpt2GradientCheckTest.batch();
        double before = m.evaluationLoss(batch);
        for (int s = 0; s < 60; s++) m.fit(batch);
        double after = m.evaluationLoss(batch);
        assertTrue(after < 0.5 * before, method + ": " + before + " → " + after);
    }
}
