package org.adamix.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The task head: classification into {@code numLabels} classes or regression (numLabels = 1), on a
 * sequence vector chosen by {@link Pooling}, then dropout and one linear layer.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record HeadConfig(int numLabels, boolean regression, Pooling pooling) implements java.io.Serializable {

    /** How the final hidden states [B, T, H] become one vector per sequence. */
    public enum Pooling {
        /** The first token's hidden state, as is. */
        CLS,
        /**
         * dense + tanh on the first token: BERT's pre-trained pooler, frozen as the authors keep it, when
         * the backbone has one; otherwise a new trained dense + tanh (RoBERTa's classification head).
         */
        POOLER,
        /** The mean over real tokens (attention mask): what sentence-embedding backbones are trained for. */
        MEAN;

        public String cliName() {
            return CliEnum.name(this);
        }

        public static Pooling of(String name) {
            return CliEnum.of(Pooling.class, name, "head");
        }
    }

    @JsonCreator
    public HeadConfig(@JsonProperty("numLabels") int numLabels, @JsonProperty("regression") boolean regression,
                      @JsonProperty("pooling") Pooling pooling) {
        if (regression && numLabels != 1) throw new IllegalArgumentException("regression has one output, got " + numLabels);
        if (!regression && numLabels < 2) throw new IllegalArgumentException("classification needs >= 2 labels, got " + numLabels);
        this.numLabels = numLabels;
        this.regression = regression;
        this.pooling = pooling == null ? Pooling.CLS : pooling;
    }

    public static HeadConfig classification(int numLabels) {
        return new HeadConfig(numLabels, false, Pooling.CLS);
    }

    public static HeadConfig regressionHead() {
        return new HeadConfig(1, true, Pooling.CLS);
    }

    public HeadConfig withPooling(Pooling p) {
        return new HeadConfig(numLabels, regression, p);
    }

    /** Whether the head applies a dense + tanh pooler (what Hugging Face's BERT/RoBERTa heads compute). */
    public boolean pooler() {
        return pooling == Pooling.POOLER;
    }
}
