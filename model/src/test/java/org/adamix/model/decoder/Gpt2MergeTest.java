package org.adamix.model.decoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.adamix.model.AdaptationConfig;
import org.adamix.model.Method;
import org.adamix.model.OptimizerConfig;
import org.adamix.model.checkpoint.Gpt2Backbone;
import org.adamix.model.checkpoint.Gpt2FolderReader;
import org.adamix.model.checkpoint.Gpt2FolderWriter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * AdaMix §3.3 on the decoder: after a few training steps, the merged model (each mixture averaged
 * into one module; for LoRA also folded into c_attn's query and value rows) computes the logits the
 * mixture computes in evaluation mode, and its trainable vector is a single module's size.
 */
class Gpt2MergeTest {
    private static Gpt2Backbone tiny;

    @org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp;

    @BeforeAll
    static void load() throws Exception {
        tiny = Gpt2FolderReader.read(Gpt2Fixtures.tinyDir());
    }

    @ParameterizedTest
    @EnumSource(
            value = Method.class,
            names = {"ADAMIX_LORA", "ADAMIX_ADAPTER", "LORA", "HOULSBY"})
    void mergedModelComputesTheMixture(Method method) throws Exception {
        AdaptationConfig a =
                AdaptationConfig.of(method, 4)
                        .withExperts(4)
                        .withLoraAlpha(32)
                        .withLoraDropout(method.lora() ? 0.1 : 0);
        Gpt2LmModel model =
                Gpt2LmModel.build(tiny, a, OptimizerConfig.adam(1e-2), 0.1, 3, DataType.DOUBLE);
        LmBatch batch = Gpt2GradientCheckTest.batch();
        for (int s = 0; s < 4; s++) model.fit(batch);
        INDArray mixture = logits(model, batch);

        Gpt2LmModel merged = model.merge(false);
        assertEquals(
                method.lora()
                        ? Method.LORA
                        : method == Method.HOULSBY ? Method.HOULSBY : Method.PFEIFFER,
                merged.adaptation().method());
        long single =
                Gpt2LmModel.build(
                                tiny,
                                merged.adaptation(),
                                OptimizerConfig.adam(1e-2),
                                0.1,
                                3,
                                DataType.DOUBLE)
                        .trainableParams()
                        .length();
        assertEquals(single, merged.trainableParams().length());
        if (method.mixture()) assertTrue(single < model.trainableParams().length());
        double diff = logits(merged, batch).sub(mixture).amaxNumber().doubleValue();
        assertTrue(diff < 1e-10, "merged vs mixture: " + diff);
        assertTrue(
                mixture.sub(logits(plain(), batch)).amaxNumber().doubleValue() > 1e-4,
                "training moved the model");

        if (method.lora()) {
            Gpt2LmModel folded = model.merge(true);
            assertEquals(Method.NONE, folded.adaptation().method());
            // folded weights are stored in float32, as the backbone is
            double d = logits(folded, batch).sub(mixture).amaxNumber().doubleValue();
            assertTrue(d < 1e-4, "folded vs mixture: " + d);
            // exported as a Hugging Face GPT-2 folder and read back: the same model, bit for bit
            java.nio.file.Path dir = tmp.resolve(method.id);
            Gpt2FolderWriter.write(folded.trainedBackbone(), dir);
            Gpt2Backbone back = Gpt2FolderReader.read(dir);
            for (var e : folded.trainedBackbone().tensors().entrySet())
                assertArrayEquals(
                        e.getValue().data().asFloat(),
                        back.tensor(e.getKey()).data().asFloat(),
                        e.getKey());
        }
    }

    /**
     * The PEFT export of AdaMix-LoRA: reading it back and applying PEFT's LoRA to c_attn (ΔW =
     * lora_alpha / r · (B·A), transposed for Conv1D's [in, out] since fan_in_fan_out) gives the
     * weights the project's own fold gives, and the config says so.
     */
    @Test
    void peftExportIsTheFoldedUpdate() throws Exception {
        AdaptationConfig a =
                AdaptationConfig.of(Method.ADAMIX_LORA, 4).withExperts(4).withLoraAlpha(32);
        Gpt2LmModel model =
                Gpt2LmModel.build(tiny, a, OptimizerConfig.adam(1e-2), 0.1, 3, DataType.DOUBLE);
        LmBatch batch = Gpt2GradientCheckTest.batch();
        for (int s = 0; s < 4; s++) model.fit(batch);
        java.nio.file.Path dir = tmp.resolve("peft");
        org.adamix.model.export.Gpt2PeftLoraWriter.write(model, dir, "gpt2");

        com.fasterxml.jackson.databind.JsonNode cfg =
                new com.fasterxml.jackson.databind.ObjectMapper()
                        .readTree(dir.resolve("adapter_config.json").toFile());
        assertEquals("CAUSAL_LM", cfg.get("task_type").asText());
        assertEquals("c_attn", cfg.get("target_modules").get(0).asText());
        assertTrue(cfg.get("fan_in_fan_out").asBoolean());
        double scaling = cfg.get("lora_alpha").asDouble() / cfg.get("r").asDouble();
        assertEquals(32.0 / 4, scaling, 0);

        var peft =
                org.adamix.model.checkpoint.Safetensors.read(
                                dir.resolve("adapter_model.safetensors"))
                        .tensors();
        Gpt2Backbone folded = model.merge(true).trainedBackbone();
        long h = tiny.config().hiddenSize();
        for (int l = 0; l < tiny.config().numLayers(); l++) {
            String m = "base_model.model.transformer.h." + l + ".attn.c_attn";
            INDArray pa = peft.get(m + ".lora_A.weight").castTo(DataType.DOUBLE);
            INDArray pb = peft.get(m + ".lora_B.weight").castTo(DataType.DOUBLE);
            assertArrayEquals(new long[] {8, h}, pa.shape());
            assertArrayEquals(new long[] {3 * h, 8}, pb.shape());
            // Conv1D layout [in, out] (the project keeps Linear's [out, in]): W + scaling·(B·A)ᵀ
            String w = "h." + l + ".attn.c_attn.weight";
            INDArray hf = tiny.tensor(w).transpose().castTo(DataType.DOUBLE);
            INDArray expected = hf.add(pb.mmul(pa).transpose().mul(scaling));
            INDArray actual = folded.tensor(w).transpose().castTo(DataType.DOUBLE);
            double d = expected.sub(actual).amaxNumber().doubleValue();
            assertTrue(d < 1e-5, "layer " + l + ": " + d);
            assertTrue(
                    pb.get(
                                            org.nd4j.linalg.indexing.NDArrayIndex.interval(
                                                    h, 2 * h),
                                            org.nd4j.linalg.indexing.NDArrayIndex.all())
                                    .amaxNumber()
                                    .doubleValue()
                            == 0,
                    "the key rows get no update");
        }
    }

    private static Gpt2LmModel plain() {
        return Gpt2LmModel.build(
                tiny,
                AdaptationConfig.of(Method.NONE, 0),
                OptimizerConfig.adam(1e-2),
                0.1,
                3,
                DataType.DOUBLE);
    }

    private static INDArray logits(Gpt2LmModel m, LmBatch batch) {
        int[][] ids = new int[batch.batch()][], mask = new int[batch.batch()][];
        for (int b = 0; b < batch.batch(); b++) {
            ids[b] = java.util.Arrays.copyOfRange(batch.ids(), b * batch.t(), (b + 1) * batch.t());
            mask[b] =
                    java.util.Arrays.copyOfRange(batch.mask(), b * batch.t(), (b + 1) * batch.t());
        }
        INDArray out = m.decoder().forward(ids, mask).dup();
        // padding columns' logits are meaningless: compare real tokens only
        for (int b = 0; b < batch.batch(); b++)
            for (int i = 0; i < batch.t(); i++)
                if (mask[b][i] == 0)
                    out.get(
                                    org.nd4j.linalg.indexing.NDArrayIndex.point(b),
                                    org.nd4j.linalg.indexing.NDArrayIndex.point(i),
                                    org.nd4j.linalg.indexing.NDArrayIndex.all())
                            .assign(0);
        return out;
    }
}
