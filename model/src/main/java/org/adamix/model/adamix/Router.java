package org.adamix.model.adamix;

import java.util.SplittableRandom;

/**
 * Stochastic routing (AdaMix §3.1): in every training forward pass, each mixture draws one
 * project-down expert and one project-up expert uniformly at random, independently, for the whole
 * batch (per view when two views are run for the consistency loss).
 *
 * <p>Draws are a pure function of (seed, step, layer, view), not of a generator's history, so a
 * retried Spark task or a resumed job takes exactly the same routes.
 */
public final class Router {
    /** The experts one view of one layer uses in one step. */
    public record Route(int down, int up) {}

    /**
     * How a mixture computes in evaluation (the authors' {@code inference_level}): AVERAGE, the
     * experts' weights averaged (AdaMix's choice, what {@code merge} writes out; level 3);
     * SEQUENCE, one random down and up expert per sequence (level 1); TOKEN, one per token (level
     * 0).
     */
    public enum Evaluation {
        AVERAGE,
        SEQUENCE,
        TOKEN;

        public String cliName() {
            return org.adamix.model.CliEnum.name(this);
        }

        public static Evaluation of(String name) {
            return org.adamix.model.CliEnum.of(Evaluation.class, name, "routing");
        }
    }

    /**
     * A mixture's site keys its stream of draws. The FFN-output mixture (AdaMix's place) and LoRA's
     * query/value pair use the layer number, so Q and V take the same route; Houlsby's second
     * adapter, after attention, draws from a stream of its own.
     */
    public static int site(int layer) {
        return layer;
    }

    public static int attentionAdapterSite(int layer) {
        return ATTENTION_ADAPTER_SITES + layer;
    }

    private static final int ATTENTION_ADAPTER_SITES = 1000;

    private final long seed;
    private long step;
    private Route fixed;
    private Evaluation evaluation = Evaluation.AVERAGE;
    private long rowsPerSequence = 1;

    public Router(long seed) {
        this.seed = seed;
    }

    /** Called by the training loop before each step. */
    public void setStep(long step) {
        this.step = step;
    }

    public long step() {
        return step;
    }

    public long seed() {
        return seed;
    }

    /**
     * Forces every mixture onto one route (gradient checks and tests); null restores random
     * routing.
     */
    public void fix(Route route) {
        this.fixed = route;
    }

    /**
     * The routes of one forward pass, one per view (with single experts, e.g. averaged ones, all
     * (0, 0)).
     */
    public Route[] routes(int layer, int views, int downExperts, int upExperts) {
        Route[] out = new Route[views];
        for (int v = 0; v < views; v++) out[v] = route(layer, v, downExperts, upExperts);
        return out;
    }

    public Route route(int layer, int view, int downExperts, int upExperts) {
        if (fixed != null)
            return new Route(
                    Math.min(fixed.down, downExperts - 1), Math.min(fixed.up, upExperts - 1));
        SplittableRandom r = new SplittableRandom(mix(seed, step, layer, view));
        int down = r.nextInt(downExperts);
        int up = r.nextInt(upExperts);
        return new Route(down, up);
    }

    public void setEvaluation(Evaluation e) {
        this.evaluation = e;
    }

    public Evaluation evaluation() {
        return evaluation;
    }

    /**
     * The padded sequence length of the batch being evaluated (rows of one sequence in the [B·T, H]
     * layout).
     */
    public void setRowsPerSequence(long t) {
        this.rowsPerSequence = t;
    }

    /**
     * Evaluation-time random experts, one per row of an [n, ·] input: the same for all rows of a
     * sequence (SEQUENCE) or drawn per row (TOKEN); {@code half} 0 = down/A, 1 = up/B, drawn
     * independently. A pure function of (seed, layer, half, row), so predictions are reproducible.
     */
    public int[] evaluationExperts(int layer, int half, int rows, int experts) {
        long group = evaluation == Evaluation.TOKEN ? 1 : rowsPerSequence;
        SplittableRandom r = new SplittableRandom(mix(seed, -2, layer, half));
        int[] out = new int[rows];
        int current = 0;
        for (int i = 0; i < rows; i++) {
            if (i % group == 0) current = r.nextInt(experts);
            out[i] = current;
        }
        return out;
    }

    /**
     * Seed of one dropout place's mask in this step (see {@code ops/DropoutMask}): a function of
     * (seed, step, layer, place) only, so the backward pass and a retried task recompute it.
     */
    public long dropoutSeed(int layer, int place) {
        return mix(seed, step, layer, -3 - (place & 0x7fffffff));
    }

    /** Seed of the step's other random draws: a function of (seed, step) only. */
    public static long stepSeed(long seed, long step) {
        return mix(seed, step, -1, -1);
    }

    /** A well-mixed 64-bit key from the draw's coordinates: SplitMix64's finaliser, chained. */
    static long mix(long seed, long step, int layer, int view) {
        long h = splitMix(seed);
        h = splitMix(h ^ step);
        h = splitMix(h ^ layer);
        return splitMix(h ^ view);
    }

    private static long splitMix(long z) {
        z += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
