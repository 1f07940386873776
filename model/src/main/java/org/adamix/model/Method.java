package org.adamix.model;

/** The adaptation methods; the AdaMix ones are mixtures of the plain ones. */
public enum Method {
    /** Plain encoder + head, nothing adapted: what a LoRA merge with folding leaves. */
    NONE("none"),
    /** Full fine-tuning: every backbone weight is trained (baseline). */
    FULL("full"),
    /**
     * Bottleneck adapters after the attention output and after the FFN output (Houlsby et al.
     * 2019).
     */
    HOULSBY("houlsby"),
    /** One bottleneck adapter after the FFN output (Pfeiffer et al. 2021). */
    PFEIFFER("pfeiffer"),
    /** Low-rank updates on the query and value projections (Hu et al. 2021). */
    LORA("lora"),
    /** AdaMix over bottleneck adapters at the FFN output. */
    ADAMIX_ADAPTER("adamix-adapter"),
    /** AdaMix over LoRA pairs on query and value. */
    ADAMIX_LORA("adamix-lora");

    public final String id;

    Method(String id) {
        this.id = id;
    }

    public static Method of(String id) {
        for (Method m : values()) if (m.id.equals(id)) return m;
        throw new IllegalArgumentException(
                "unknown method '"
                        + id
                        + "' (full, houlsby, pfeiffer, lora, adamix-adapter, adamix-lora)");
    }

    /**
     * The peak learning rate a short run (2-3 epochs of 1-2k rows) needs, measured (README,
     * "Learning"): adapters 1e-2; LoRA 2e-3 (at 1e-2 LoRA drifts and AdaMix-LoRA collapses to
     * chance on IMDB); full fine-tuning 1e-4, the usual BERT range (an adapter's lr destroys the
     * backbone).
     */
    public double defaultLr() {
        return switch (this) {
            case FULL -> 1e-4;
            case LORA, ADAMIX_LORA -> 2e-3;
            default -> 1e-2;
        };
    }

    /** What merging (AdaMix §3.3) makes of this method: a mixture becomes its single module. */
    public Method merged() {
        return switch (this) {
            case ADAMIX_ADAPTER -> PFEIFFER;
            case ADAMIX_LORA -> LORA;
            default -> this;
        };
    }

    public boolean adapterAtFfn() {
        return this == HOULSBY || this == PFEIFFER || this == ADAMIX_ADAPTER;
    }

    public boolean adapterAtAttention() {
        return this == HOULSBY;
    }

    public boolean lora() {
        return this == LORA || this == ADAMIX_LORA;
    }

    public boolean mixture() {
        return this == ADAMIX_ADAPTER || this == ADAMIX_LORA;
    }

    @Override
    public String toString() {
        return id;
    }
}
