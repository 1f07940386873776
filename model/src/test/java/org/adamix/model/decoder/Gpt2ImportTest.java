package org.adamix.model.decoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.adamix.model.BitExact;
import org.adamix.model.checkpoint.CheckpointException;
import org.adamix.model.checkpoint.Gpt2Backbone;
import org.adamix.model.checkpoint.Gpt2FolderReader;
import org.adamix.model.checkpoint.Safetensors;
import org.adamix.model.decoder.Gpt2Fixtures.Raw;
import org.adamix.model.names.Gpt2TensorNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Importing a HF GPT-2 folder: the fixture (a GPT2LMHeadModel checkpoint) reads with its prefix,
 * mask buffers and tied head set aside and Conv1D weights transposed; each broken variant fails
 * with one message naming the file and the tensor or key.
 */
class Gpt2ImportTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String C_ATTN = "transformer.h.1.attn.c_attn.weight";

    /** openai-community/gpt2's config.json as published. */
    private static final String GPT2_SMALL_CONFIG =
            """
            {"activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"], "attn_pdrop": 0.1,
             "bos_token_id": 50256, "embd_pdrop": 0.1, "eos_token_id": 50256, "initializer_range": 0.02,
             "layer_norm_epsilon": 1e-05, "model_type": "gpt2", "n_ctx": 1024, "n_embd": 768, "n_head": 12,
             "n_layer": 12, "n_positions": 1024, "resid_pdrop": 0.1, "summary_activation": null,
             "summary_first_dropout": 0.1, "summary_proj_to_labels": true, "summary_type": "cls_index",
             "summary_use_proj": true, "task_specific_params": {"text-generation": {"do_sample": true,
             "max_length": 50}}, "vocab_size": 50257}
            """;

    @TempDir Path tmp;

    @Test
    void readsTheFixtureAndTransposesConv1dWeights() throws IOException {
        Gpt2Backbone b = Gpt2FolderReader.read(Gpt2Fixtures.tinyDir());
        assertEquals(new Gpt2Config(97, 32, 24, 2, 4, 96, 1e-5), b.config());
        assertEquals(Gpt2TensorNames.required(b.config()).keySet(), b.tensors().keySet());
        Path file = Gpt2Fixtures.tinyDir().resolve("model.safetensors");
        INDArray stored = Safetensors.read(file, C_ATTN::equals).tensors().get(C_ATTN);
        INDArray read = b.tensor(Gpt2TensorNames.stripPrefix(C_ATTN));
        assertArrayEquals(new long[] {24, 72}, stored.shape());
        assertArrayEquals(new long[] {72, 24}, read.shape());
        assertArrayEquals(BitExact.floats(stored.transpose()), BitExact.floats(read));
    }

    @Test
    void missingTensor() throws IOException {
        Map<String, Raw> tensors = fixtureTensors();
        tensors.remove("transformer.h.1.mlp.c_fc.bias");
        expect(folder(tensors, fixtureConfig()), "h.1.mlp.c_fc.bias", "missing");
    }

    @Test
    void wrongShape() throws IOException {
        // c_attn saved in Linear layout [out, in] instead of Conv1D's [in, out]
        Map<String, Raw> tensors = fixtureTensors();
        tensors.put(C_ATTN, Raw.f32(Nd4j.zeros(72, 24)));
        String detail = "expected shape [24, 72] (HF Conv1D: [in, out]), found [72, 24]";
        expect(folder(tensors, fixtureConfig()), C_ATTN, detail);
    }

    @Test
    void unexpectedDtype() throws IOException {
        Map<String, Raw> tensors = fixtureTensors();
        tensors.put("transformer.ln_f.bias", new Raw("I32", new long[] {24}, new byte[4 * 24]));
        String detail = "dtype I32 is not a floating-point dtype (expected F32, F16, BF16 or F64)";
        expect(folder(tensors, fixtureConfig()), "transformer.ln_f.bias", detail);
    }

    @Test
    void unexpectedTensor() throws IOException {
        Map<String, Raw> tensors = fixtureTensors();
        tensors.put("transformer.h.2.ln_1.weight", Raw.f32(Nd4j.ones(24)));
        String detail = "unexpected: not part of a 2-layer GPT-2 with n_embd 24";
        expect(folder(tensors, fixtureConfig()), "transformer.h.2.ln_1.weight", detail);
    }

    @Test
    void untiedLmHead() throws IOException {
        Map<String, Raw> tensors = fixtureTensors();
        tensors.put("lm_head.weight", Raw.f32(Nd4j.zeros(97, 24)));
        String detail = "differs from wte.weight: an LM head not tied to the token embeddings";
        expect(folder(tensors, fixtureConfig()), "lm_head.weight", detail + " is not supported");
    }

    @Test
    void badConfigs() throws IOException {
        String onlyGeluNew = "only 'gelu_new' (GPT-2's tanh GELU) is supported";
        expectConfig(
                "activation_function",
                "relu",
                "key 'activation_function' is 'relu': " + onlyGeluNew);
        expectConfig("n_embd", null, "missing key 'n_embd'");
        expectConfig("n_head", 5, "invalid config: n_embd 24 is not divisible by n_head 5");
        expectConfig("n_layer", "two", "key 'n_layer' must be an integer, found \"two\"");
        expectConfig(
                "model_type", "gpt_neo", "key 'model_type' is 'gpt_neo': only 'gpt2' is supported");
        String layerScaled = "key 'scale_attn_by_inverse_layer_idx' is true";
        String onlyGpt2 = ": only false (GPT-2's own attention) is supported";
        expectConfig("scale_attn_by_inverse_layer_idx", true, layerScaled + onlyGpt2);
    }

    @Test
    void nInnerSetsTheMlpWidth() throws IOException {
        ObjectNode config = fixtureConfig().put("n_inner", 64);
        String detail = "expected shape [24, 64] (HF Conv1D: [in, out]), found [24, 96]";
        expect(folder(fixtureTensors(), config), "transformer.h.0.mlp.c_fc.weight", detail);
    }

    @Test
    void gpt2SmallsOwnConfigParses() throws IOException {
        // with the tiny weights the first shape check fails, and its message shows the config was
        // read
        Path dir = folder(fixtureTensors(), (ObjectNode) JSON.readTree(GPT2_SMALL_CONFIG));
        String detail = "expected shape [50257, 768], found [97, 24]";
        expect(dir, "transformer.wte.weight", detail);
    }

    /**
     * The config with {@code key} set to {@code value} (null: removed) fails with {@code detail}.
     */
    private void expectConfig(String key, Object value, String detail) throws IOException {
        ObjectNode config = fixtureConfig();
        if (value == null) config.remove(key);
        else config.set(key, JSON.valueToTree(value));
        Path dir = folder(fixtureTensors(), config);
        CheckpointException e =
                assertThrows(CheckpointException.class, () -> Gpt2FolderReader.read(dir));
        assertEquals(dir.resolve("config.json") + ": " + detail, e.getMessage());
    }

    private static void expect(Path dir, String tensor, String detail) {
        CheckpointException e =
                assertThrows(CheckpointException.class, () -> Gpt2FolderReader.read(dir));
        String file = dir.resolve("model.safetensors").toString();
        assertEquals(file + ": tensor '" + tensor + "': " + detail, e.getMessage());
        assertEquals(tensor, e.tensor());
    }

    private static ObjectNode fixtureConfig() throws IOException {
        return (ObjectNode) JSON.readTree(Gpt2Fixtures.tinyDir().resolve("config.json").toFile());
    }

    /** The fixture's tensors as F32, in file order, without the mask buffers. */
    private static Map<String, Raw> fixtureTensors() throws IOException {
        Path file = Gpt2Fixtures.tinyDir().resolve("model.safetensors");
        Map<String, Raw> tensors = new LinkedHashMap<>();
        Safetensors.read(file, n -> !Gpt2TensorNames.isMaskBuffer(Gpt2TensorNames.stripPrefix(n)))
                .tensors()
                .forEach((n, t) -> tensors.put(n, Raw.f32(t)));
        return tensors;
    }

    /** A new HF folder holding {@code config} and {@code tensors}. */
    private Path folder(Map<String, Raw> tensors, ObjectNode config) throws IOException {
        Path dir = Files.createTempDirectory(tmp, "gpt2-");
        JSON.writeValue(dir.resolve("config.json").toFile(), config);
        Gpt2Fixtures.writeRaw(dir.resolve("model.safetensors"), tensors);
        return dir;
    }
}
