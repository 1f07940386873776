package org.adamix.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Shape of a BERT-family encoder (BERT, RoBERTa, MiniLM, e5 ...): everything needed to build the
 * graph, nothing about adaptation. Field names follow Hugging Face's config.json so a model
 * folder's config reads straight into it.
 *
 * <p>Backbone tensors use Hugging Face BERT names and layouts (linear weights [out, in]): {@code
 * embeddings.word_embeddings.weight [V,H]}, {@code embeddings.position_embeddings.weight [P,H]},
 * {@code embeddings.token_type_embeddings.weight [TV,H]}, {@code embeddings.LayerNorm.weight|bias
 * [H]}, {@code encoder.layer.N.attention.self.query|key|value.weight [H,H] / .bias [H]}, {@code
 * encoder.layer.N.attention.output.dense.weight [H,H] / .bias}, {@code
 * encoder.layer.N.attention.output.LayerNorm.weight|bias}, {@code
 * encoder.layer.N.intermediate.dense.weight [F,H] / .bias [F]}, {@code
 * encoder.layer.N.output.dense.weight [H,F] / .bias [H]}, {@code
 * encoder.layer.N.output.LayerNorm.weight|bias}, optional {@code pooler.dense.weight [H,H] /
 * .bias}.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record BertConfig(
        @JsonProperty("model_type") String modelType,
        @JsonProperty("vocab_size") int vocabSize,
        @JsonProperty("hidden_size") int hiddenSize,
        @JsonProperty("num_hidden_layers") int numLayers,
        @JsonProperty("num_attention_heads") int numHeads,
        @JsonProperty("intermediate_size") int intermediateSize,
        @JsonProperty("max_position_embeddings") int maxPositions,
        @JsonProperty("type_vocab_size") int typeVocabSize,
        @JsonProperty("layer_norm_eps") double layerNormEps,
        @JsonProperty("hidden_act") String hiddenAct,
        @JsonProperty("hidden_dropout_prob") double hiddenDropout,
        @JsonProperty("attention_probs_dropout_prob") double attentionDropout,
        @JsonProperty("pad_token_id") int padTokenId)
        implements java.io.Serializable {

    /** More layers than any published encoder has. */
    public static final int MAX_LAYERS = 1024;

    public BertConfig {
        if (hiddenSize <= 0
                || numLayers <= 0
                || numHeads <= 0
                || intermediateSize <= 0
                || vocabSize <= 0)
            throw new IllegalArgumentException("sizes must be positive: " + this);
        if (numLayers > MAX_LAYERS) // a crafted config must not size tables by it
        throw new IllegalArgumentException(
                    "num_hidden_layers "
                            + numLayers
                            + " is not plausible (at most "
                            + MAX_LAYERS
                            + ")");
        if (hiddenSize % numHeads != 0)
            throw new IllegalArgumentException(
                    "hidden_size "
                            + hiddenSize
                            + " is not a multiple of num_attention_heads "
                            + numHeads);
        if (hiddenAct == null) hiddenAct = "gelu";
        if (modelType == null) modelType = "bert";
        if (!Gelu.isKnown(hiddenAct))
            throw new IllegalArgumentException(
                    "unsupported hidden_act '"
                            + hiddenAct
                            + "' (gelu, gelu_new, gelu_pytorch_tanh)");
        if (typeVocabSize < 1) typeVocabSize = 1;
    }

    /** RoBERTa counts positions from padding_idx + 1 = 2; BERT from 0. */
    public int positionOffset() {
        return "roberta".equals(modelType) || "xlm-roberta".equals(modelType) ? padTokenId + 1 : 0;
    }

    public int headSize() {
        return hiddenSize / numHeads;
    }

    /** A small randomly-initialised encoder, for tests and benchmarks. */
    public static BertConfig tiny(
            int vocab, int hidden, int layers, int heads, int ffn, int maxPositions, String act) {
        return new BertConfig(
                "bert",
                vocab,
                hidden,
                layers,
                heads,
                ffn,
                maxPositions,
                2,
                1e-12,
                act,
                0.0,
                0.0,
                0);
    }

    public BertConfig withDropout(double hidden, double attention) {
        return new BertConfig(
                modelType,
                vocabSize,
                hiddenSize,
                numLayers,
                numHeads,
                intermediateSize,
                maxPositions,
                typeVocabSize,
                layerNormEps,
                hiddenAct,
                hidden,
                attention,
                padTokenId);
    }
}
