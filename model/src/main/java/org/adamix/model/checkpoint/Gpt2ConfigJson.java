package org.adamix.model.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.adamix.model.decoder.Gpt2Config;

/**
 * A Hugging Face GPT-2 {@code config.json} to {@link Gpt2Config}. Shape keys are required; the
 * others take transformers' GPT-2 defaults. A key that would change the math to something this
 * decoder does not compute (another activation, unscaled or layer-scaled attention,
 * cross-attention) is refused by name, so such a model fails here rather than producing different
 * logits.
 */
final class Gpt2ConfigJson {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Gpt2ConfigJson() {}

    static Gpt2Config read(Path file) throws IOException {
        if (!Files.isRegularFile(file))
            throw new CheckpointException(file, "config.json not found");
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (JsonProcessingException e) {
            throw new CheckpointException(file, "malformed JSON: " + e.getOriginalMessage(), e);
        } catch (java.io.CharConversionException e) {
            // bytes Jackson takes for UTF-16/32 that are not (found by CheckpointFuzzTest)
            throw new CheckpointException(file, "malformed JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject())
            throw new CheckpointException(file, "malformed JSON: expected an object");

        checkModelType(file, root);
        String act =
                root.hasNonNull("activation_function")
                        ? root.get("activation_function").asText()
                        : Gpt2Config.ACTIVATION;
        if (!act.equals(Gpt2Config.ACTIVATION))
            throw new CheckpointException(
                    file,
                    "key 'activation_function' is '"
                            + act
                            + "': only '"
                            + Gpt2Config.ACTIVATION
                            + "' (GPT-2's tanh GELU) is supported");
        requireFlag(file, root, "scale_attn_weights", true);
        requireFlag(file, root, "scale_attn_by_inverse_layer_idx", false);
        requireFlag(file, root, "add_cross_attention", false);

        int hidden = requiredInt(file, root, "n_embd");
        int inner =
                root.hasNonNull("n_inner")
                        ? intValue(file, root.get("n_inner"), "n_inner")
                        : 4 * hidden;
        try {
            return new Gpt2Config(
                    requiredInt(file, root, "vocab_size"),
                    requiredInt(file, root, "n_positions"),
                    hidden,
                    requiredInt(file, root, "n_layer"),
                    requiredInt(file, root, "n_head"),
                    inner,
                    optionalDouble(file, root, "layer_norm_epsilon", 1e-5));
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file, "invalid config: " + e.getMessage());
        }
    }

    /**
     * config.json of a GPT2LMHeadModel with this shape, as transformers writes it (the keys {@link
     * #read} reads, plus the architecture and the tanh GELU).
     */
    static byte[] toJson(Gpt2Config c) throws IOException {
        var root = JSON.createObjectNode();
        root.put("model_type", "gpt2");
        root.putArray("architectures").add("GPT2LMHeadModel");
        root.put("vocab_size", c.vocabSize());
        root.put("n_positions", c.maxPositions());
        root.put("n_ctx", c.maxPositions());
        root.put("n_embd", c.hiddenSize());
        root.put("n_layer", c.numLayers());
        root.put("n_head", c.numHeads());
        root.put("n_inner", c.innerSize());
        root.put("layer_norm_epsilon", c.layerNormEps());
        root.put("activation_function", Gpt2Config.ACTIVATION);
        root.put("scale_attn_weights", true);
        root.put("tie_word_embeddings", true);
        root.put("bos_token_id", 50256);
        root.put("eos_token_id", 50256);
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
    }

    /** model_type "gpt2", or for configs without it, a GPT2* architecture. */
    private static void checkModelType(Path file, JsonNode root) throws CheckpointException {
        if (root.hasNonNull("model_type")) {
            String t = root.get("model_type").asText();
            if (!t.equals("gpt2"))
                throw new CheckpointException(
                        file, "key 'model_type' is '" + t + "': only 'gpt2' is supported");
            return;
        }
        JsonNode arch = root.get("architectures");
        if (arch != null
                && arch.isArray()
                && !arch.isEmpty()
                && arch.get(0).asText().startsWith("GPT2")) return;
        throw new CheckpointException(
                file, "no key 'model_type' and no GPT2* 'architectures': not a GPT-2 config");
    }

    private static void requireFlag(Path file, JsonNode root, String key, boolean supported)
            throws CheckpointException {
        if (!root.hasNonNull(key)) return;
        JsonNode v = root.get(key);
        if (!v.isBoolean())
            throw new CheckpointException(
                    file, "key '" + key + "' must be true or false, found " + v);
        if (v.asBoolean() != supported)
            throw new CheckpointException(
                    file,
                    "key '"
                            + key
                            + "' is "
                            + v.asBoolean()
                            + ": only "
                            + supported
                            + " (GPT-2's own attention) is supported");
    }

    private static int requiredInt(Path file, JsonNode root, String key)
            throws CheckpointException {
        if (!root.hasNonNull(key)) throw new CheckpointException(file, "missing key '" + key + "'");
        return intValue(file, root.get(key), key);
    }

    private static int intValue(Path file, JsonNode v, String key) throws CheckpointException {
        if (!v.isIntegralNumber() || !v.canConvertToInt())
            throw new CheckpointException(file, "key '" + key + "' must be an integer, found " + v);
        return v.asInt();
    }

    private static double optionalDouble(Path file, JsonNode root, String key, double dflt)
            throws CheckpointException {
        if (!root.hasNonNull(key)) return dflt;
        JsonNode v = root.get(key);
        if (!v.isNumber())
            throw new CheckpointException(file, "key '" + key + "' must be a number, found " + v);
        return v.asDouble();
    }
}
