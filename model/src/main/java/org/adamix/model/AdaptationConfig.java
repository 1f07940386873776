package org.adamix.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.adamix.model.adamix.ConsistencyLoss;

/**
 * What is adapted and how: the method, the bottleneck/rank r, the number of experts M, which
 * projection is shared across experts, the LoRA scale and dropout, and the consistency loss (form,
 * weight).
 *
 * <p>"down" and "up" name the two halves of every adaptation module: project-down and project-up
 * for a bottleneck adapter, A and B for LoRA. A shared half exists once and is used by every
 * expert.
 */
public record AdaptationConfig(
        Method method,
        int rank,
        int experts,
        boolean shareDown,
        boolean shareUp,
        double loraAlpha,
        double consistencyWeight,
        boolean trainLayerNorms,
        ConsistencyLoss.Form consistency,
        double loraDropout,
        boolean independentExpertInit)
        implements java.io.Serializable {

    @JsonCreator
    public AdaptationConfig(
            @JsonProperty("method") Method method,
            @JsonProperty("rank") int rank,
            @JsonProperty("experts") int experts,
            @JsonProperty("shareDown") boolean shareDown,
            @JsonProperty("shareUp") boolean shareUp,
            @JsonProperty("loraAlpha") double loraAlpha,
            @JsonProperty("consistencyWeight") double consistencyWeight,
            @JsonProperty("trainLayerNorms") boolean trainLayerNorms,
            @JsonProperty("consistency") ConsistencyLoss.Form consistency,
            @JsonProperty("loraDropout") double loraDropout,
            @JsonProperty("independentExpertInit") boolean independentExpertInit) {
        this.method = method;
        this.rank = rank;
        this.experts = method.mixture() ? experts : 1;
        this.shareDown = method.mixture() && shareDown;
        this.shareUp = method.mixture() && shareUp;
        this.loraAlpha = loraAlpha;
        this.consistencyWeight = method.mixture() ? consistencyWeight : 0.0;
        this.trainLayerNorms = trainLayerNorms;
        // configurations written before the form existed trained the symmetric-CE variant
        this.consistency = consistency == null ? ConsistencyLoss.Form.SYMMETRIC_CE : consistency;
        this.loraDropout = method.lora() ? loraDropout : 0.0;
        this.independentExpertInit = independentExpertInit;
        if ((method.adapterAtFfn() || method.lora()) && rank <= 0)
            throw new IllegalArgumentException(
                    "rank must be positive for " + method + ", got " + rank);
        if (method.mixture() && experts < 1)
            throw new IllegalArgumentException("experts must be >= 1, got " + experts);
        if (this.shareDown && this.shareUp)
            throw new IllegalArgumentException(
                    "sharing both halves leaves a single expert: share down or up, not both");
        if (consistencyWeight < 0)
            throw new IllegalArgumentException("consistency weight must be >= 0");
        if (loraDropout < 0 || loraDropout >= 1)
            throw new IllegalArgumentException("LoRA dropout must be in [0, 1)");
    }

    /**
     * The paper's defaults for a method: AdaMix shares project-up (B for LoRA), M = 4, the authors'
     * consistency loss with w = 1; LoRA alpha = r (scale 1), no LoRA dropout; experts drawn
     * independently (the authors' NLU code; their NLG code copies one draw, {@link
     * #withIndependentExpertInit}).
     */
    public static AdaptationConfig of(Method method, int rank) {
        return new AdaptationConfig(
                method,
                rank,
                4,
                false,
                true,
                rank,
                1.0,
                false,
                ConsistencyLoss.Form.AUTHORS,
                0.0,
                true);
    }

    public AdaptationConfig withExperts(int m) {
        return new AdaptationConfig(
                method,
                rank,
                m,
                shareDown,
                shareUp,
                loraAlpha,
                consistencyWeight,
                trainLayerNorms,
                consistency,
                loraDropout,
                independentExpertInit);
    }

    public AdaptationConfig withSharing(boolean down, boolean up) {
        return new AdaptationConfig(
                method,
                rank,
                experts,
                down,
                up,
                loraAlpha,
                consistencyWeight,
                trainLayerNorms,
                consistency,
                loraDropout,
                independentExpertInit);
    }

    public AdaptationConfig withConsistencyWeight(double w) {
        return new AdaptationConfig(
                method,
                rank,
                experts,
                shareDown,
                shareUp,
                loraAlpha,
                w,
                trainLayerNorms,
                consistency,
                loraDropout,
                independentExpertInit);
    }

    public AdaptationConfig withConsistency(ConsistencyLoss.Form form) {
        return new AdaptationConfig(
                method,
                rank,
                experts,
                shareDown,
                shareUp,
                loraAlpha,
                consistencyWeight,
                trainLayerNorms,
                form,
                loraDropout,
                independentExpertInit);
    }

    public AdaptationConfig withTrainLayerNorms(boolean t) {
        return new AdaptationConfig(
                method,
                rank,
                experts,
                shareDown,
                shareUp,
                loraAlpha,
                consistencyWeight,
                t,
                consistency,
                loraDropout,
                independentExpertInit);
    }

    public AdaptationConfig withLoraAlpha(double alpha) {
        return new AdaptationConfig(
                method,
                rank,
                experts,
                shareDown,
                shareUp,
                alpha,
                consistencyWeight,
                trainLayerNorms,
                consistency,
                loraDropout,
                independentExpertInit);
    }

    public AdaptationConfig withLoraDropout(double p) {
        return new AdaptationConfig(
                method,
                rank,
                experts,
                shareDown,
                shareUp,
                loraAlpha,
                consistencyWeight,
                trainLayerNorms,
                consistency,
                p,
                independentExpertInit);
    }

    /**
     * Experts drawn independently (the authors' NLU code, where Hugging Face's init_weights
     * re-draws every expert; the default of {@link #of}) or as copies of one draw (their NLG code).
     */
    public AdaptationConfig withIndependentExpertInit(boolean independent) {
        return new AdaptationConfig(
                method,
                rank,
                experts,
                shareDown,
                shareUp,
                loraAlpha,
                consistencyWeight,
                trainLayerNorms,
                consistency,
                loraDropout,
                independent);
    }

    public AdaptationConfig withMethod(Method m) {
        return new AdaptationConfig(
                m,
                rank,
                experts,
                shareDown,
                shareUp,
                loraAlpha,
                consistencyWeight,
                trainLayerNorms,
                consistency,
                loraDropout,
                independentExpertInit);
    }

    public int downExperts() {
        return shareDown ? 1 : experts;
    }

    public int upExperts() {
        return shareUp ? 1 : experts;
    }

    /** Two training views per example (the consistency loss) are run as one doubled batch. */
    public int views() {
        return method.mixture() && consistencyWeight > 0 ? 2 : 1;
    }

    /**
     * The configuration a model with this head trains: the authors' consistency term compares class
     * distributions, and for regression (one output) it is identically zero, so no second view is
     * run.
     */
    public AdaptationConfig forHead(HeadConfig head) {
        return head.regression()
                        && consistency == ConsistencyLoss.Form.AUTHORS
                        && consistencyWeight > 0
                ? withConsistencyWeight(0)
                : this;
    }

    public double loraScale() {
        return loraAlpha / rank;
    }

    public boolean backboneTrainable() {
        return method == Method.FULL;
    }
}
