package org.adamix.model.names;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.adamix.model.BertConfig;

/**
 * The canonical (Hugging Face BERT) tensor names of a backbone and the shape each must have, as
 * documented in {@link BertConfig}. Every reader maps its source names onto these.
 */
public final class BertTensorNames {

    public static final String WORD_EMBEDDINGS = "embeddings.word_embeddings.weight";
    public static final String POSITION_EMBEDDINGS = "embeddings.position_embeddings.weight";
    public static final String TOKEN_TYPE_EMBEDDINGS = "embeddings.token_type_embeddings.weight";
    public static final String EMBEDDINGS_LAYER_NORM = "embeddings.LayerNorm";
    public static final String POOLER = "pooler.dense";

    /** The linear layers of encoder layer N, relative to {@code encoder.layer.N.}. */
    public static final List<String> LAYER_LINEARS =
            List.of(
                    "attention.self.query",
                    "attention.self.key",
                    "attention.self.value",
                    "attention.output.dense",
                    "intermediate.dense",
                    "output.dense");

    private static final Pattern CANONICAL =
            Pattern.compile(
                    "embeddings\\.(word_embeddings|position_embeddings|token_type_embeddings)\\.weight"
                            + "|embeddings\\.LayerNorm\\.(weight|bias)"
                            + "|encoder\\.layer\\.\\d+\\.(attention\\.self\\.(query|key|value)|attention\\.output\\.dense"
                            + "|intermediate\\.dense|output\\.dense)\\.(weight|bias)"
                            + "|encoder\\.layer\\.\\d+\\.(attention\\.output|output)\\.LayerNorm\\.(weight|bias)"
                            + "|pooler\\.dense\\.(weight|bias)");

    private static final Pattern LINEAR_BIAS =
            Pattern.compile(
                    "encoder\\.layer\\.\\d+\\.(attention\\.self\\.(query|key|value)|attention\\.output\\.dense"
                            + "|intermediate\\.dense|output\\.dense)\\.bias|pooler\\.dense\\.bias");

    private BertTensorNames() {}

    public static String layer(int n, String suffix) {
        return "encoder.layer." + n + "." + suffix;
    }

    /** Whether {@code name} is one of the canonical backbone names (for some number of layers). */
    public static boolean isCanonical(String name) {
        return CANONICAL.matcher(name).matches();
    }

    /** Whether {@code name} is the bias of a linear layer (not of a LayerNorm). */
    public static boolean isLinearBias(String name) {
        return LINEAR_BIAS.matcher(name).matches();
    }

    /** Every tensor a backbone of this shape must have, in model order, with its shape. */
    public static Map<String, long[]> required(BertConfig c) {
        long h = c.hiddenSize(), f = c.intermediateSize();
        Map<String, long[]> m = new LinkedHashMap<>();
        m.put(WORD_EMBEDDINGS, new long[] {c.vocabSize(), h});
        m.put(POSITION_EMBEDDINGS, new long[] {c.maxPositions(), h});
        m.put(TOKEN_TYPE_EMBEDDINGS, new long[] {c.typeVocabSize(), h});
        m.put(EMBEDDINGS_LAYER_NORM + ".weight", new long[] {h});
        m.put(EMBEDDINGS_LAYER_NORM + ".bias", new long[] {h});
        for (int n = 0; n < c.numLayers(); n++) {
            for (String qkv : List.of("query", "key", "value")) {
                m.put(layer(n, "attention.self." + qkv + ".weight"), new long[] {h, h});
                m.put(layer(n, "attention.self." + qkv + ".bias"), new long[] {h});
            }
            m.put(layer(n, "attention.output.dense.weight"), new long[] {h, h});
            m.put(layer(n, "attention.output.dense.bias"), new long[] {h});
            m.put(layer(n, "attention.output.LayerNorm.weight"), new long[] {h});
            m.put(layer(n, "attention.output.LayerNorm.bias"), new long[] {h});
            m.put(layer(n, "intermediate.dense.weight"), new long[] {f, h});
            m.put(layer(n, "intermediate.dense.bias"), new long[] {f});
            m.put(layer(n, "output.dense.weight"), new long[] {h, f});
            m.put(layer(n, "output.dense.bias"), new long[] {h});
            m.put(layer(n, "output.LayerNorm.weight"), new long[] {h});
            m.put(layer(n, "output.LayerNorm.bias"), new long[] {h});
        }
        return m;
    }

    /** The tensors a backbone may have (the pooler: both or neither). */
    public static Map<String, long[]> optional(BertConfig c) {
        long h = c.hiddenSize();
        Map<String, long[]> m = new LinkedHashMap<>();
        m.put(POOLER + ".weight", new long[] {h, h});
        m.put(POOLER + ".bias", new long[] {h});
        return m;
    }
}
