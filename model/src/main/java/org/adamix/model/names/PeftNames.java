package org.adamix.model.names;

/**
 * Names in a PEFT LoRA export, as PEFT's {@code get_peft_model_state_dict} saves them (adapter name
 * "default" removed): {@code base_model.model.<encoder
 * prefix>encoder.layer.N.attention.self.query.lora_A.weight}.
 */
public final class PeftNames {
    public static final String PREFIX = "base_model.model.";

    private PeftNames() {}

    /**
     * lora_A ({@code a} true) or lora_B of {@code projection} (e.g. {@link GraphNames#QUERY}) in
     * layer {@code layer}.
     */
    public static String lora(HeadNames head, int layer, String projection, boolean a) {
        return PREFIX
                + head.encoderPrefix()
                + BertTensorNames.layer(layer, projection)
                + (a ? ".lora_A.weight" : ".lora_B.weight");
    }

    /** A trained module saved whole (modules_to_save): its HF name under the PEFT prefix. */
    public static String saved(String hfName) {
        return PREFIX + hfName;
    }
}
