package org.adamix.model;

import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * AdamW as the paper trains: Adam with decoupled weight decay (not on biases or LayerNorms), a
 * learning rate that rises linearly over the warm-up steps, then falls linearly to zero, and the
 * gradient's global L2 norm clipped to {@code maxGradNorm} (0 = off; Hugging Face's Trainer, which
 * the authors train with, clips at 1.0).
 */
public record OptimizerConfig(
        double learningRate,
        double weightDecay,
        double warmupFraction,
        long totalSteps,
        double beta1,
        double beta2,
        double epsilon,
        double maxGradNorm)
        implements java.io.Serializable {

    public OptimizerConfig {
        if (learningRate <= 0) throw new IllegalArgumentException("learning rate must be > 0");
        if (warmupFraction < 0 || warmupFraction >= 1)
            throw new IllegalArgumentException("warm-up fraction must be in [0, 1)");
        if (totalSteps < 1) throw new IllegalArgumentException("total steps must be >= 1");
        if (maxGradNorm < 0)
            throw new IllegalArgumentException("max gradient norm must be >= 0 (0 = no clipping)");
    }

    /** These settings with another peak learning rate and schedule length (one run of a grid). */
    public OptimizerConfig withSchedule(double lr, long steps) {
        return new OptimizerConfig(
                lr, weightDecay, warmupFraction, steps, beta1, beta2, epsilon, maxGradNorm);
    }

    /** The authors' setting: warm-up 6 %, weight decay 0.1, gradient norm clipped at 1. */
    public static OptimizerConfig paper(double learningRate, long totalSteps) {
        return new OptimizerConfig(learningRate, 0.1, 0.06, totalSteps, 0.9, 0.999, 1e-8, 1.0);
    }

    /**
     * Constant learning rate, no weight decay, no clipping: plain Adam (benchmarks, gradient
     * checks).
     */
    public static OptimizerConfig adam(double learningRate) {
        return new OptimizerConfig(
                learningRate, 0.0, 0.0, Long.MAX_VALUE / 4, 0.9, 0.999, 1e-8, 0.0);
    }

    public long warmupSteps() {
        return (long) Math.floor(warmupFraction * totalSteps);
    }

    /** ND4J's Adam with this schedule and moments (decay and clipping are applied by the model). */
    public org.nd4j.linalg.learning.config.Adam updater() {
        return org.nd4j.linalg.learning.config.Adam.builder()
                .learningRateSchedule(schedule())
                .beta1(beta1)
                .beta2(beta2)
                .epsilon(epsilon)
                .build();
    }

    public ISchedule schedule() {
        return new WarmupLinearDecay(learningRate, warmupSteps(), totalSteps);
    }

    /**
     * lr(step) = base·step/warmup during warm-up, then base·(total − step)/(total − warmup),
     * floored at 0.
     */
    public static final class WarmupLinearDecay implements ISchedule {
        @JsonProperty private final double base;
        @JsonProperty private final long warmup;
        @JsonProperty private final long total;

        public WarmupLinearDecay(
                @JsonProperty("base") double base,
                @JsonProperty("warmup") long warmup,
                @JsonProperty("total") long total) {
            this.base = base;
            this.warmup = warmup;
            this.total = total;
        }

        @Override
        public double valueAt(int iteration, int epoch) {
            if (iteration < warmup) return base * iteration / Math.max(1, warmup);
            return base * Math.max(0.0, (double) (total - iteration) / Math.max(1, total - warmup));
        }

        @Override
        public ISchedule clone() {
            return new WarmupLinearDecay(base, warmup, total);
        }
    }
}
