package org.adamix.model;

/** The GELU variants BERT-family configs name: exact erf ("gelu") and the tanh approximation. */
public enum Gelu {
    EXACT, TANH;

    public static boolean isKnown(String act) {
        return switch (act) {
            case "gelu", "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> true;
            default -> false;
        };
    }

    public static Gelu of(String act) {
        if (!isKnown(act)) throw new IllegalArgumentException("unsupported activation " + act);
        return act.equals("gelu") ? EXACT : TANH;
    }
}
