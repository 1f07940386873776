package org.adamix.model.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.adamix.model.BertConfig;

/**
 * A Hugging Face {@code config.json} to and from {@link BertConfig}. Optional fields take the
 * transformers defaults for the model type; shape fields are required, so a config that does not
 * describe the encoder fails here instead of as a shape error later.
 */
final class HfConfigJson {

    static final List<String> SUPPORTED_MODEL_TYPES = List.of("bert", "roberta", "xlm-roberta");

    private static final ObjectMapper JSON =
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private HfConfigJson() {}

    static BertConfig read(Path file) throws IOException {
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

        String modelType = modelType(file, root);
        if (!SUPPORTED_MODEL_TYPES.contains(modelType))
            throw new CheckpointException(
                    file,
                    "model_type '"
                            + modelType
                            + "' is not supported (supported: "
                            + String.join(", ", SUPPORTED_MODEL_TYPES)
                            + ")");
        boolean roberta = !modelType.equals("bert");
        try {
            return new BertConfig(
                    modelType,
                    requiredInt(file, root, "vocab_size"),
                    requiredInt(file, root, "hidden_size"),
                    requiredInt(file, root, "num_hidden_layers"),
                    requiredInt(file, root, "num_attention_heads"),
                    requiredInt(file, root, "intermediate_size"),
                    requiredInt(file, root, "max_position_embeddings"),
                    optionalInt(file, root, "type_vocab_size", 2),
                    optionalDouble(file, root, "layer_norm_eps", 1e-12),
                    root.hasNonNull("hidden_act") ? root.get("hidden_act").asText() : "gelu",
                    optionalDouble(file, root, "hidden_dropout_prob", 0.1),
                    optionalDouble(file, root, "attention_probs_dropout_prob", 0.1),
                    optionalInt(file, root, "pad_token_id", roberta ? 1 : 0));
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file, "invalid config: " + e.getMessage());
        }
    }

    /** model_type, or for old configs without it, the family named by the first architecture. */
    private static String modelType(Path file, JsonNode root) throws CheckpointException {
        if (root.hasNonNull("model_type")) return root.get("model_type").asText();
        JsonNode arch = root.get("architectures");
        if (arch != null && arch.isArray() && !arch.isEmpty()) {
            String a = arch.get(0).asText();
            if (a.startsWith("XLMRoberta")) return "xlm-roberta";
            if (a.startsWith("Roberta")) return "roberta";
            if (a.startsWith("Bert")) return "bert";
            throw new CheckpointException(
                    file, "no model_type, and architecture '" + a + "' is not supported");
        }
        throw new CheckpointException(
                file, "no model_type and no architectures: cannot tell which model this is");
    }

    private static int requiredInt(Path file, JsonNode root, String field)
            throws CheckpointException {
        if (!root.hasNonNull(field))
            throw new CheckpointException(file, "missing field '" + field + "'");
        return intValue(file, root.get(field), field);
    }

    private static int optionalInt(Path file, JsonNode root, String field, int dflt)
            throws CheckpointException {
        return root.hasNonNull(field) ? intValue(file, root.get(field), field) : dflt;
    }

    private static int intValue(Path file, JsonNode v, String field) throws CheckpointException {
        if (!v.isIntegralNumber() || !v.canConvertToInt())
            throw new CheckpointException(
                    file, "field '" + field + "' must be an integer, found " + v);
        return v.asInt();
    }

    private static double optionalDouble(Path file, JsonNode root, String field, double dflt)
            throws CheckpointException {
        if (!root.hasNonNull(field)) return dflt;
        JsonNode v = root.get(field);
        if (!v.isNumber())
            throw new CheckpointException(
                    file, "field '" + field + "' must be a number, found " + v);
        return v.asDouble();
    }

    /** The config as transformers writes it for the matching *Model class. */
    static byte[] toJson(BertConfig c) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.putArray("architectures")
                .add(
                        switch (c.modelType()) {
                            case "roberta" -> "RobertaModel";
                            case "xlm-roberta" -> "XLMRobertaModel";
                            default -> "BertModel";
                        });
        root.put("model_type", c.modelType());
        root.put("vocab_size", c.vocabSize());
        root.put("hidden_size", c.hiddenSize());
        root.put("num_hidden_layers", c.numLayers());
        root.put("num_attention_heads", c.numHeads());
        root.put("intermediate_size", c.intermediateSize());
        root.put("max_position_embeddings", c.maxPositions());
        root.put("type_vocab_size", c.typeVocabSize());
        root.put("layer_norm_eps", c.layerNormEps());
        root.put("hidden_act", c.hiddenAct());
        root.put("hidden_dropout_prob", c.hiddenDropout());
        root.put("attention_probs_dropout_prob", c.attentionDropout());
        root.put("pad_token_id", c.padTokenId());
        root.put("position_embedding_type", "absolute");
        return JSON.writeValueAsBytes(root);
    }
}
