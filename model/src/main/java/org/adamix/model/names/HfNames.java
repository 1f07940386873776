package org.adamix.model.names;

import java.util.List;

/**
 * Maps Hugging Face checkpoint names onto the canonical BERT names: task models prefix the backbone
 * ({@code bert.}, {@code roberta.}), and old TF-converted BERT checkpoints still call LayerNorm
 * parameters gamma/beta (transformers renames them on load, so must we).
 */
public final class HfNames {

    private static final List<String> PREFIXES = List.of("bert.", "roberta.");

    private HfNames() {}

    /**
     * The canonical name for {@code name}, or null when it is not a backbone tensor (heads,
     * buffers).
     */
    public static String canonical(String name) {
        String n = name;
        for (String prefix : PREFIXES) {
            if (n.startsWith(prefix)) {
                n = n.substring(prefix.length());
                break;
            }
        }
        if (n.endsWith("LayerNorm.gamma"))
            n = n.substring(0, n.length() - "gamma".length()) + "weight";
        else if (n.endsWith("LayerNorm.beta"))
            n = n.substring(0, n.length() - "beta".length()) + "bias";
        return BertTensorNames.isCanonical(n) ? n : null;
    }
}
