package org.adamix.model.decoder;

import org.adamix.model.Gelu;

/**
 * GPT-2's architecture, as a Hugging Face GPT-2 {@code config.json} states it (the HF key in
 * brackets). Only what GPT-2 itself uses is representable: pre-LayerNorm blocks, learned absolute
 * positions, the tanh GELU ("gelu_new"), attention scaled by 1/√d, an LM head tied to the token
 * embeddings.
 *
 * @param vocabSize tokens [vocab_size]
 * @param maxPositions learned positions [n_positions]: the longest sequence
 * @param hiddenSize [n_embd]
 * @param numLayers blocks [n_layer]
 * @param numHeads attention heads [n_head]; hiddenSize must divide by it
 * @param innerSize the MLP's width [n_inner; null means 4·n_embd]
 * @param layerNormEps [layer_norm_epsilon]
 */
public record Gpt2Config(
        int vocabSize,
        int maxPositions,
        int hiddenSize,
        int numLayers,
        int numHeads,
        int innerSize,
        double layerNormEps)
        implements java.io.Serializable {

    /** The one activation GPT-2 uses, by its HF name: GELU with the tanh approximation. */
    public static final String ACTIVATION = "gelu_new";

    /** More blocks than any published model has (GPT-3: 96). */
    public static final int MAX_LAYERS = 1024;

    public Gpt2Config {
        positive("vocab_size", vocabSize);
        positive("n_positions", maxPositions);
        positive("n_embd", hiddenSize);
        positive("n_layer", numLayers);
        if (numLayers > MAX_LAYERS) // a crafted config must not size tables by it
        throw new IllegalArgumentException(
                    "n_layer " + numLayers + " is not plausible (at most " + MAX_LAYERS + ")");
        positive("n_head", numHeads);
        positive("n_inner", innerSize);
        if (hiddenSize % numHeads != 0)
            throw new IllegalArgumentException(
                    "n_embd " + hiddenSize + " is not divisible by n_head " + numHeads);
        if (!(layerNormEps > 0))
            throw new IllegalArgumentException(
                    "layer_norm_epsilon must be positive, found " + layerNormEps);
    }

    /** A config with n_inner left at GPT-2's default of 4·n_embd. */
    public static Gpt2Config of(
            int vocabSize,
            int maxPositions,
            int hiddenSize,
            int numLayers,
            int numHeads,
            double layerNormEps) {
        return new Gpt2Config(
                vocabSize,
                maxPositions,
                hiddenSize,
                numLayers,
                numHeads,
                4 * hiddenSize,
                layerNormEps);
    }

    public int headSize() {
        return hiddenSize / numHeads;
    }

    public Gelu gelu() {
        return Gelu.TANH;
    }

    private static void positive(String key, int value) {
        if (value <= 0)
            throw new IllegalArgumentException(key + " must be positive, found " + value);
    }
}
