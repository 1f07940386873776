package org.adamix.jobs.train;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A part of a round's reduction: over the workers it covers, {@code sum_w(n_w * x_w)} of the
 * weights and of Adam's state, the examples {@code sum_w(n_w)}, the loss sum, and each worker's
 * {@link WorkerFacts}. Workers that trained on nothing add only their facts (they are weighted 0,
 * as in {@link RoundAverage}).
 *
 * <p>Sums are double: {@code n * x} of a float and a count below 2^29 is exact in double, and
 * partial sums round as the driver's old sequential double sum did; float sums would round at every
 * level of the tree. A leaf still travels as the worker's float vectors and its count (half the
 * bytes on the shuffle, where all W leaves go): the exact product is formed when the leaf is first
 * added. Floating-point addition is not associative, so the combination order is fixed: {@link
 * #combine} folds left in worker (partition) index order, in groups of {@link #FAN_IN}, level by
 * level ({@link #inTreeOrder}), on executors as in process. Up to FAN_IN workers that is exactly
 * the driver's former loop {@code ((0 + y0) + y1) + ...}.
 */
public final class RoundSum implements Serializable {
    /**
     * Partials a tree node adds (a reducer holds at most this many vectors); also the depth's base.
     */
    public static final int FAN_IN = 8;

    /**
     * A leaf's own weights and state, not yet multiplied by its examples; null once it holds sums.
     */
    private float[] leafParams, leafState;

    private double[] params, state;
    private long examples;
    private double lossSum;
    private final List<WorkerFacts> workers;

    private RoundSum(
            float[] leafParams,
            float[] leafState,
            long examples,
            double lossSum,
            List<WorkerFacts> workers) {
        this.leafParams = leafParams;
        this.leafState = leafState;
        this.examples = examples;
        this.lossSum = lossSum;
        this.workers = workers;
    }

    /**
     * One worker's leaf (its vectors only when it trained: a worker weighted 0 sends its facts
     * alone).
     */
    public static RoundSum of(WorkerResult r) {
        List<WorkerFacts> facts = new ArrayList<>(List.of(WorkerFacts.of(r)));
        if (r.examples() == 0) return new RoundSum(null, null, 0, 0, facts);
        return new RoundSum(r.params(), r.state(), r.examples(), 0.0 + r.lossSum(), facts);
    }

    /**
     * Turns a leaf into sums: {@code 0.0 + n*x}, as the old loop started from 0.0 (which turns -0.0
     * into +0.0).
     */
    private void toSums() {
        if (leafParams == null) return;
        params = weighted(leafParams, examples);
        state = leafState == null ? null : weighted(leafState, examples);
        leafParams = leafState = null;
    }

    private static double[] weighted(float[] x, long n) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) out[i] = 0.0 + (double) n * x[i];
        return out;
    }

    /** Adds {@code next} (the partial of higher worker indices) into this one and returns this. */
    public RoundSum add(RoundSum next) {
        toSums();
        next.toSums();
        workers.addAll(next.workers);
        if (next.examples == 0) return this;
        if (examples == 0) {
            params = next.params;
            state = next.state;
        } else {
            for (int i = 0; i < params.length; i++) params[i] += next.params[i];
            if (state != null && next.state != null)
                for (int i = 0; i < state.length; i++) state[i] += next.state[i];
            else state = null;
        }
        examples += next.examples;
        lossSum += next.lossSum;
        return this;
    }

    /** Left fold of partials already in index order: one tree node. */
    public static RoundSum combine(List<RoundSum> inIndexOrder) {
        RoundSum acc = inIndexOrder.get(0);
        for (int i = 1; i < inIndexOrder.size(); i++) acc = acc.add(inIndexOrder.get(i));
        return acc;
    }

    /** The whole tree in process, node for node as {@link RoundTree} runs it on executors. */
    public static RoundSum inTreeOrder(List<RoundSum> byWorker) {
        List<RoundSum> level = byWorker;
        while (level.size() > 1) {
            List<RoundSum> next = new ArrayList<>();
            for (int g = 0; g < level.size(); g += FAN_IN)
                next.add(combine(level.subList(g, Math.min(level.size(), g + FAN_IN))));
            level = next;
        }
        return level.get(0);
    }

    /**
     * The average the driver continues from: sums divided by the examples, rounded once to float.
     */
    public RoundAverage average(float[] previousParams, float[] previousState) {
        if (examples == 0) return new RoundAverage(previousParams, previousState, 0, 0, 0);
        toSums();
        return new RoundAverage(
                divide(params),
                state == null ? null : divide(state),
                examples,
                lossSum,
                (int) workers.stream().filter(w -> w.examples() > 0).count());
    }

    private float[] divide(double[] sum) {
        float[] out = new float[sum.length];
        for (int i = 0; i < sum.length; i++) out[i] = (float) (sum[i] / examples);
        return out;
    }

    /** Every worker's facts, by worker index. */
    public List<WorkerFacts> workers() {
        List<WorkerFacts> w = new ArrayList<>(workers);
        w.sort(Comparator.comparingInt(WorkerFacts::worker));
        return w;
    }
}
