package org.adamix.model;

/**
 * The task head on the first token: classification into {@code numLabels} classes or regression
 * (numLabels = 1), optionally through BERT's pooler (dense + tanh).
 */
public record HeadConfig(int numLabels, boolean regression, boolean pooler) implements java.io.Serializable {
    public HeadConfig {
        if (regression && numLabels != 1) throw new IllegalArgumentException("regression has one output, got " + numLabels);
        if (!regression && numLabels < 2) throw new IllegalArgumentException("classification needs >= 2 labels, got " + numLabels);
    }

    public static HeadConfig classification(int numLabels) {
        return new HeadConfig(numLabels, false, false);
    }

    public static HeadConfig regressionHead() {
        return new HeadConfig(1, true, false);
    }

    public HeadConfig withPooler(boolean p) {
        return new HeadConfig(numLabels, regression, p);
    }
}
