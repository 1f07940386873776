package org.adamix.model.names;

/**
 * The names inside this project's graph: its sublayers, the adaptation modules' keys inside a
 * sublayer, and how a DL4J parameter is named in an adapter checkpoint. Backbone tensors keep their
 * Hugging Face names ({@link BertTensorNames}); exports use {@link HeadNames} and {@link
 * PeftNames}.
 */
public final class GraphNames {
    public static final String EMBEDDINGS = "embeddings";
    public static final String POOLER = "pooler";
    public static final String CLASSIFIER = "classifier";

    /**
     * Adaptation modules' keys inside their sublayer: the FFN-output adapter (AdaMix's place),
     * Houlsby's second adapter, LoRA on Q and V.
     */
    public static final String FFN_ADAPTER = "adapter.ffn";

    public static final String ATTENTION_ADAPTER = "adapter.attention";
    public static final String LORA_QUERY = "lora.query";
    public static final String LORA_VALUE = "lora.value";

    /** The projection, relative to an encoder layer, that a LoRA module updates. */
    public static final String QUERY = "attention.self.query";

    public static final String VALUE = "attention.self.value";

    private GraphNames() {}

    public static String attention(int layer) {
        return "layer" + layer + ".attention";
    }

    public static String ffn(int layer) {
        return "layer" + layer + ".ffn";
    }

    /**
     * A parameter's name in an adapter checkpoint: DL4J calls it "sublayer_key" (it splits at the
     * last '_', which is why no sublayer name or key contains one); the checkpoint says
     * "sublayer.key".
     */
    public static String checkpointName(String graphKey) {
        int i = graphKey.lastIndexOf('_');
        return graphKey.substring(0, i) + "." + graphKey.substring(i + 1);
    }
}
