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
import java.util.function.Consumer;
import org.adamix.model.BitExact;
import org.adamix.model.checkpoint.CheckpointException;
import org.adamix.model.checkpoint.Gpt2Backbone;
import org.adamix.model.checkpoint.Gpt2FolderReader;
import org.adamix.model.checkpoint.Safetensors;
import org.adamix.model.names.Gpt2TensorNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Importing a HF GPT-2 folder: the fixture (a GPT2LMHeadModel checkpoint) reads with its prefix, mask
 * buffers and tied head set aside and Conv1D weights transposed; each broken variant fails with one
 * message naming the file and the tensor or key.
 */
class Gpt2ImportTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void readsTheFixtureAndTransposesConv1dWeights() throws IOException {
        Gpt2Backbone b = Gpt2FolderReader.read(Gpt2Fixtures.tinyDir());
        assertEquals(new Gpt2Config(97, 32, 24, 2, 4, 96, 1e-5), b.config());
        assertEquals(Gpt2TensorNames.required(b.config()).keySet(), b.tensors().keySet());
        Map<String, INDArray> file = Safetensors.read(Gpt2Fixtures.tinyDir().resolve("model.safetensors"),
                n -> n.equals("transformer.h.1.attn.c_attn.weight") || n.equals("transformer.wte.weight")).tensors();
        assertArrayEquals(new long[] {24, 72}, file.get("transformer.h.1.attn.c_attn.weight").shape());
        assertArrayEquals(new long[] {72, 24}, b.tensor("h.1.attn.c_attn.weight").shape());
        assertArrayEquals(BitExact.floats(file.get("transformer.h.1.attn.c_attn.weight").transpose()),
                BitExact.floats(b.tensor("h.1.attn.c_attn.weight")));
        assertArrayEquals(BitExact.floats(file.get("transformer.wte.weight")), BitExact.floats(b.tensor("wte.weight")));
    }

    @Test
    void missingTensor() throws IOException {
        Path dir = variant(t -> t.remove("transformer.h.1.mlp.c_fc.bias"), null);
        expect(dir, "h.1.mlp.c_fc.bias", "missing");
    }

    @Test
    void wrongShape() throws IOException {
        // c_attn saved in Linear layout [out, in] instead of Conv1D's [in, out]
        Path dir = variant(t -> t.put("transformer.h.0.attn.c_attn.weight",
                Gpt2Fixtures.Raw.f32(Nd4j.zeros(72, 24))), null);
        expect(dir, "transformer.h.0.attn.c_attn.weight",
                "expected shape [24, 72] (HF Conv1D: [in, out]), found [72, 24]");
    }

    @Test
    void unexpectedDtype() throws IOException {
        Path dir = variant(t -> t.put("transformer.ln_f.bias", new Gpt2Fixtures.Raw("I32", new long[] {24},
                new byte[4 * 24])), null);
        expect(dir, "transformer.ln_f.bias",
                "dtype I32 is not a floating-point dtype (expected F32, F16, BF16 or F64)");
    }

    @Test
    void unexpectedTensor() throws IOException {
        Path dir = variant(t -> t.put("transformer.h.2.ln_1.weight", Gpt2Fixtures.Raw.f32(Nd4j.ones(24))), null);
        expect(dir, "transformer.h.2.ln_1.weight", "unexpected: not part of a 2-layer GPT-2 with n_embd 24");
    }

    @Test
    void untiedLmHead() throws IOException {
        Path dir = variant(t -> t.put("lm_head.weight", Gpt2Fixtures.Raw.f32(Nd4j.zeros(97, 24))), null);
        expect(dir, "lm_head.weight",
                "differs from wte.weight: an LM head not tied to the token embeddings is not supported");
    }

    @Test
    void badConfigs() throws IOException {
        expectConfig(c -> c.put("activation_function", "relu"),
                "key 'activation_function' is 'relu': only 'gelu_new' (GPT-2's tanh GELU) is supported");
        expectConfig(c -> c.remove("n_embd"), "missing key 'n_embd'");
        expectConfig(c -> c.put("n_head", 5), "invalid config: n_embd 24 is not divisible by n_head 5");
        expectConfig(c -> c.put("n_layer", "two"), "key 'n_layer' must be an integer, found \"two\"");
        expectConfig(c -> c.put("model_type", "gpt_neo"), "key 'model_type' is 'gpt_neo': only 'gpt2' is supported");
        expectConfig(c -> c.put("scale_attn_by_inverse_layer_idx", true),
                "key 'scale_attn_by_inverse_layer_idx' is true: only false (GPT-2's own attention) is supported");
        // and n_inner, when given, is the MLP's width
        Path dir = variant(t -> {
            t.put("transformer.h.0.mlp.c_fc.weight", Gpt2Fixtures.Raw.f32(Nd4j.zeros(24, 96)));
        }, c -> c.put("n_inner", 64));
        expect(dir, "transformer.h.0.mlp.c_fc.weight",
                "expected shape [24, 64] (HF Conv1D: [in, out]), found [24, 96]");
    }

    @Test
    void gpt2SmallsOwnConfigParses() throws IOException {
        // openai-community/gpt2's config.json as published; with the tiny weights the first shape check fails,
        // and its message shows the config was read: vocab 50257, n_embd 768
        Path dir = variant(null, c -> {
            c.removeAll();
            try {
                c.setAll((ObjectNode) JSON.readTree("{\"activation_function\": \"gelu_new\", \"architectures\": "
                        + "[\"GPT2LMHeadModel\"], \"attn_pdrop\": 0.1, \"bos_token_id\": 50256, \"embd_pdrop\": 0.1, "
                        + "\"eos_token_id\": 50256, \"initializer_range\": 0.02, \"layer_norm_epsilon\": 1e-05, "
                        + "\"model_type\": \"gpt2\", \"n_ctx\": 1024, \"n_embd\": 768, \"n_head\": 12, "
                        + "\"n_layer\": 12, \"n_positions\": 1024, \"resid_pdrop\": 0.1, \"summary_activation\": null, "
                        + "\"summary_first_dropout\": 0.1, \"summary_proj_to_labels\": true, \"summary_type\": "
                        + "\"cls_index\", \"summary_use_proj\": true, \"task_specific_params\": {\"text-generation\": "
                        + "{\"do_sample\": true, \"max_length\": 50}}, \"vocab_size\": 50257}"));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        CheckpointException e = assertThrows(CheckpointException.class, () -> Gpt2FolderReader.read(dir));
        assertEquals("transformer.wte.weight", e.tensor());
        assertEquals(dir.resolve("model.safetensors") + ": tensor 'transformer.wte.weight': expected shape "
                + "[50257, 768], found [97, 24]", e.getMessage());
    }

    private void expectConfig(Consumer<ObjectNode> edit, String detail) throws IOException {
        Path dir = variant(null, edit);
        CheckpointException e = assertThrows(CheckpointException.class, () -> Gpt2FolderReader.read(dir));
        assertEquals(dir.resolve("config.json") + ": " + detail, e.getMessage());
    }

    private static void expect(Path dir, String tensor, String detail) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> Gpt2FolderReader.read(dir));
        assertEquals(dir.resolve("model.safetensors") + ": tensor '" + tensor + "': " + detail, e.getMessage());
        assertEquals(tensor, e.tensor());
    }

    /** A copy of the fixture with its tensors (F32, mask buffers dropped) and config edited. */
    private Path variant(Consumer<Map<String, Gpt2Fixtures.Raw>> editTensors, Consumer<ObjectNode> editConfig)
            throws IOException {
        Path src = Gpt2Fixtures.tinyDir(), dir = Files.createTempDirectory(tmp, "gpt2-");
        ObjectNode config = (ObjectNode) JSON.readTree(src.resolve("config.json").toFile());
        if (editConfig != null) editConfig.accept(config);
        JSON.writeValue(dir.resolve("config.json").toFile(), config);
        Map<String, Gpt2Fixtures.Raw> tensors = new LinkedHashMap<>();
        Safetensors.read(src.resolve("model.safetensors"), n -> !Gpt2TensorNames.isMaskBuffer(
                Gpt2TensorNames.stripPrefix(n))).tensors().forEach((n, t) -> tensors.put(n, Gpt2Fixtures.Raw.f32(t)));
        if (editTensors != null) editTensors.accept(tensors);
        Gpt2Fixtures.writeRaw(dir.resolve("model.safetensors"), tensors);
        return dir;
    }
}
