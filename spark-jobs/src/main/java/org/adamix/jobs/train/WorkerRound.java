package org.adamix.jobs.train;

import java.io.Serializable;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.adamix.jobs.data.BatchMaker;
import org.adamix.jobs.data.ShardOrder;
import org.adamix.jobs.data.TokenizedExample;
import org.adamix.jobs.spark.ExecutorModels;
import org.adamix.jobs.spark.ModelSpec;
import org.adamix.jobs.spark.ShippedBackbone;
import org.adamix.jobs.spark.Weights;
import org.adamix.model.AdaMixModel;

/**
 * The per-partition step of a round: set the broadcast weights, Adam state and step on this JVM's
 * model, train the round's local steps on this worker's shard with {@link AdaMixModel#fit}, the
 * very call the in-process loop makes, and return the new weights. The result depends only on
 * (weights, shard, round, seed), so a retried task reproduces it.
 */
public final class WorkerRound implements Serializable {
    private final ModelSpec spec;
    private final int batchSize;
    private final boolean groupByLength;
    private final long seed;

    public WorkerRound(ModelSpec spec, int batchSize, long seed) {
        this(spec, batchSize, seed, false);
    }

    public WorkerRound(ModelSpec spec, int batchSize, long seed, boolean groupByLength) {
        this.groupByLength = groupByLength;
        this.spec = spec;
        this.batchSize = batchSize;
        this.seed = seed;
    }

    public WorkerResult run(
            int worker,
            Iterator<TokenizedExample> shardIt,
            Weights in,
            RoundPlan.Round round,
            ShippedBackbone backbone) {
        long t0 = System.nanoTime();
        List<TokenizedExample> shard = new ArrayList<>();
        shardIt.forEachRemaining(shard::add);
        int[] order = ShardOrder.permutation(shard.size(), seed, round.epoch(), worker);
        if (groupByLength) {
            int[] lengths = new int[shard.size()];
            for (int i = 0; i < lengths.length; i++) lengths[i] = shard.get(i).ids().length;
            order =
                    ShardOrder.groupedByLength(
                            order, lengths, batchSize, seed, round.epoch(), worker);
        }
        try (ExecutorModels.Lease lease = ExecutorModels.borrow(backbone, spec)) {
            AdaMixModel m = lease.model();
            in.loadInto(m);
            long examples = 0;
            double lossSum = 0;
            int steps = 0;
            for (int s = round.firstStep(); s < round.firstStep() + round.steps(); s++) {
                List<TokenizedExample> batch = ShardOrder.batch(shard, order, s, batchSize);
                if (batch.isEmpty()) break;
                double loss = m.fit(BatchMaker.of(batch, spec.head(), true));
                if (!Double.isFinite(loss))
                    throw new TrainingDivergedException(
                            "worker "
                                    + worker
                                    + ", round "
                                    + (round.index() + 1)
                                    + ", step "
                                    + m.step()
                                    + ": loss is "
                                    + loss
                                    + "; the round is not averaged in (try a lower --lr)");
                lossSum += loss * batch.size();
                examples += batch.size();
                steps++;
            }
            float[] params = Weights.flat(m.trainableParams());
            float[] state = m.updaterState() == null ? null : Weights.flat(m.updaterState());
            checkFinite(params, "weights", worker, round);
            if (state != null) checkFinite(state, "Adam state", worker, round);
            return new WorkerResult(
                    worker,
                    params,
                    state,
                    examples,
                    lossSum,
                    steps,
                    ManagementFactory.getRuntimeMXBean().getName(),
                    ExecutorModels.modelsBuilt(),
                    System.nanoTime() - t0);
        }
    }

    private static void checkFinite(float[] v, String what, int worker, RoundPlan.Round round) {
        for (float x : v)
            if (!Float.isFinite(x))
                throw new TrainingDivergedException(
                        "worker "
                                + worker
                                + ", round "
                                + (round.index() + 1)
                                + ": "
                                + what
                                + " contain "
                                + x
                                + "; the round is not averaged in (try a lower --lr)");
    }
}
