package org.adamix.model.names;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.adamix.model.decoder.Gpt2Config;

/**
 * GPT-2's tensor names, as Hugging Face's GPT2Model writes them: {@code wte.weight}, {@code
 * wpe.weight}, per block {@code h.N.ln_1}, {@code h.N.attn.c_attn}, {@code h.N.attn.c_proj}, {@code
 * h.N.ln_2}, {@code h.N.mlp.c_fc}, {@code h.N.mlp.c_proj} (each {@code .weight} and {@code .bias}),
 * and {@code ln_f}. GPT2LMHeadModel checkpoints put the same names under {@code transformer.}.
 *
 * <p>Layouts. HF GPT-2's projections are {@code Conv1D} modules, y = x·W + b, with W stored [in,
 * out]. The backbone ({@code checkpoint/Gpt2Backbone}) holds them as PyTorch Linear weights [out,
 * in], like every other weight in this project, so that {@code Ops.linear} and LoRA's ΔW = B·A
 * [out, in] apply unchanged: the one place that transposes is {@code checkpoint/Gpt2FolderReader}.
 * {@link #required} gives the backbone layout, {@link #checkpointShape} the layout in the file.
 *
 * <p>Not part of the backbone: the causal-mask buffers {@code h.N.attn.bias} and {@code
 * h.N.attn.masked_bias} that older transformers versions saved ({@link #isMaskBuffer}), and {@code
 * lm_head.weight}, which GPT-2 ties to {@code wte.weight} ({@link #LM_HEAD}).
 */
public final class Gpt2TensorNames {

    /** The prefix of GPT2LMHeadModel (and other task model) checkpoints. */
    public static final String PREFIX = "transformer.";

    public static final String WTE = "wte.weight";
    public static final String WPE = "wpe.weight";
    public static final String LN_F = "ln_f";

    /** The LM head: tied, so it must equal {@link #WTE} when a checkpoint holds it. */
    public static final String LM_HEAD = "lm_head.weight";

    /** Sublayers of block N, each with .weight and .bias: "h.N." + one of these. */
    public static final String LN_1 = "ln_1",
            C_ATTN = "attn.c_attn",
            ATTN_C_PROJ = "attn.c_proj",
            LN_2 = "ln_2",
            MLP_C_FC = "mlp.c_fc",
            MLP_C_PROJ = "mlp.c_proj";

    private static final Pattern MASK_BUFFER =
            Pattern.compile("h\\.\\d+\\.attn\\.(bias|masked_bias)");
    private static final Pattern CONV1D_WEIGHT =
            Pattern.compile(
                    "h\\.\\d+\\.(attn\\.c_attn|attn\\.c_proj"
                            + "|mlp\\.c_fc|mlp\\.c_proj)\\.weight");

    private Gpt2TensorNames() {}

    /** "h.N." + sublayer, e.g. {@code block(0, C_ATTN)} = "h.0.attn.c_attn". */
    public static String block(int layer, String sublayer) {
        return "h." + layer + "." + sublayer;
    }

    /** The name without the task-model prefix. */
    public static String stripPrefix(String name) {
        return name.startsWith(PREFIX) ? name.substring(PREFIX.length()) : name;
    }

    /** True for the causal-mask buffers older checkpoints hold (prefix already stripped). */
    public static boolean isMaskBuffer(String name) {
        return MASK_BUFFER.matcher(name).matches();
    }

    /** True for the weights HF stores as Conv1D [in, out] (prefix already stripped). */
    public static boolean isConv1dWeight(String name) {
        return CONV1D_WEIGHT.matcher(name).matches();
    }

    /**
     * Every backbone tensor and its shape in the backbone's layout (Linear weights [out, in]), in
     * model order.
     */
    public static Map<String, long[]> required(Gpt2Config c) {
        long v = c.vocabSize(), p = c.maxPositions(), h = c.hiddenSize(), inner = c.innerSize();
        Map<String, long[]> m = new LinkedHashMap<>();
        m.put(WTE, new long[] {v, h});
        m.put(WPE, new long[] {p, h});
        for (int i = 0; i < c.numLayers(); i++) {
            norm(m, block(i, LN_1), h);
            linear(m, block(i, C_ATTN), h, 3 * h);
            linear(m, block(i, ATTN_C_PROJ), h, h);
            norm(m, block(i, LN_2), h);
            linear(m, block(i, MLP_C_FC), h, inner);
            linear(m, block(i, MLP_C_PROJ), inner, h);
        }
        norm(m, LN_F, h);
        return m;
    }

    /**
     * The shape {@code name} has in a HF checkpoint, given its backbone shape: Conv1D weights
     * reversed.
     */
    public static long[] checkpointShape(String name, long[] backboneShape) {
        return isConv1dWeight(name)
                ? new long[] {backboneShape[1], backboneShape[0]}
                : backboneShape;
    }

    private static void norm(Map<String, long[]> m, String name, long h) {
        m.put(name + ".weight", new long[] {h});
        m.put(name + ".bias", new long[] {h});
    }

    private static void linear(Map<String, long[]> m, String name, long in, long out) {
        m.put(name + ".weight", new long[] {out, in});
        m.put(name + ".bias", new long[] {out});
    }
}
