package org.adamix.jobs.train;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * The rounds of a run. In every epoch each worker walks its shard in batches; an epoch has as many
 * steps as the largest shard needs (workers with smaller shards sit the tail out and are weighted 0
 * for it). A round is up to K local steps of one epoch; rounds never straddle epochs.
 */
public record RoundPlan(int epochs, int stepsPerEpoch, int localSteps, List<Round> rounds)
        implements Serializable {

    /**
     * One averaging round: global index, epoch, first step within the epoch, steps, global step at
     * its start.
     */
    public record Round(int index, int epoch, int firstStep, int steps, long globalStepStart)
            implements Serializable {
        public boolean lastOfEpoch(int stepsPerEpoch) {
            return firstStep + steps == stepsPerEpoch;
        }
    }

    public static RoundPlan of(int epochs, long largestShard, int batchSize, int localSteps) {
        int perEpoch = (int) Math.max(1, (largestShard + batchSize - 1) / batchSize);
        List<Round> rounds = new ArrayList<>();
        long global = 0;
        for (int e = 0; e < epochs; e++) {
            for (int s = 0; s < perEpoch; s += localSteps) {
                int n = Math.min(localSteps, perEpoch - s);
                rounds.add(new Round(rounds.size(), e, s, n, global));
                global += n;
            }
        }
        return new RoundPlan(epochs, perEpoch, localSteps, List.copyOf(rounds));
    }

    public long totalSteps() {
        return (long) epochs * stepsPerEpoch;
    }
}
