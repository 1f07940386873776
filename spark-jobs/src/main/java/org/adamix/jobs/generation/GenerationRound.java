package org.adamix.jobs.generation;

import java.io.Serializable;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.adamix.jobs.data.ShardOrder;
import org.adamix.jobs.spark.Weights;
import org.adamix.jobs.train.RoundPlan;
import org.adamix.jobs.train.TrainingDivergedException;
import org.adamix.jobs.train.WorkerResult;
import org.adamix.model.decoder.Gpt2LmModel;
import org.adamix.model.decoder.LmBatch;

/**
 * The per-partition step of a generation round, as {@code train/WorkerRound} is for the encoder:
 * set the broadcast weights, Adam state and step, train the round's local steps on this worker's
 * shard with {@link Gpt2LmModel#fit}, return the new weights. The result depends only on (weights,
 * shard, round, seed), so a retried task reproduces it.
 */
final class GenerationRound implements Serializable {
    private final GenerationSpec spec;
    private final int batchSize;

    GenerationRound(GenerationSpec spec, int batchSize) {
        this.spec = spec;
        this.batchSize = batchSize;
    }

    WorkerResult run(
            int worker,
            Iterator<LmExample> shardIt,
            Weights in,
            RoundPlan.Round round,
            ShippedGpt2 backbone) {
        long t0 = System.nanoTime();
        List<LmExample> shard = new ArrayList<>();
        shardIt.forEachRemaining(shard::add);
        int[] order = ShardOrder.permutation(shard.size(), spec.seed(), round.epoch(), worker);
        Gpt2LmModel m = GenerationModels.borrow(backbone, spec);
        try {
            in.loadInto(m);
            long examples = 0;
            double lossSum = 0;
            int steps = 0;
            for (int s = round.firstStep(); s < round.firstStep() + round.steps(); s++) {
                List<LmExample> batch = ShardOrder.batch(shard, order, s, batchSize);
                if (batch.isEmpty()) break;
                double loss = m.fit(batchOf(batch));
                if (!Double.isFinite(loss))
                    throw new TrainingDivergedException(
                            String.format(
                                    "worker %d, round %d, step %d: loss is %s; the round is not"
                                            + " averaged in (try a lower --lr)",
                                    worker, round.index() + 1, m.step(), loss));
                lossSum += loss * batch.size();
                examples += batch.size();
                steps++;
            }
            return new WorkerResult(
                    worker,
                    Weights.flat(m.trainableParams()),
                    m.updaterState() == null ? null : Weights.flat(m.updaterState()),
                    examples,
                    lossSum,
                    steps,
                    ManagementFactory.getRuntimeMXBean().getName(),
                    0,
                    System.nanoTime() - t0);
        } finally {
            GenerationModels.giveBack(backbone, spec, m);
        }
    }

    /**
     * {total loss, target tokens} of {@code examples} in evaluation mode, in batches of 16: the dev
     * loss per target token is their ratio (summed over partitions first).
     */
    static double[] lossAndTokens(Gpt2LmModel m, List<LmExample> examples) {
        double loss = 0;
        long tokens = 0;
        for (int i = 0; i < examples.size(); i += 16) {
            LmBatch batch = batchOf(examples.subList(i, Math.min(examples.size(), i + 16)));
            int n = batch.targetCount();
            loss += m.evaluationLoss(batch) * n;
            tokens += n;
        }
        return new double[] {loss, tokens};
    }

    static LmBatch batchOf(List<LmExample> examples) {
        List<int[]> prompts = new ArrayList<>(), completions = new ArrayList<>();
        for (LmExample e : examples) {
            prompts.add(e.prompt());
            completions.add(e.completion());
        }
        return LmBatch.of(prompts, completions);
    }
}
