package org.adamix.jobs.train;

import java.util.List;
import java.util.Map;
import org.adamix.jobs.data.TokenizedExample;
import org.adamix.jobs.eval.Prediction;
import org.adamix.jobs.eval.Predictor;
import org.adamix.jobs.eval.Scores;
import org.adamix.jobs.spark.ModelSpec;
import org.adamix.jobs.spark.ShippedBackbone;
import org.adamix.jobs.spark.Weights;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * Dev scores of the averaged weights: executors predict on the dev partitions they cached, the
 * driver scores the predictions ({@link Scores#of}).
 */
final class DevEvaluation {
    private final JavaSparkContext sc;
    private final JavaRDD<TokenizedExample> dev;
    private final Broadcast<ShippedBackbone> shipped;
    private final ModelSpec spec;
    private final int batchSize;

    DevEvaluation(JavaSparkContext sc, TrainData data, ModelSpec spec, int batchSize) {
        this.sc = sc;
        this.dev = data.dev;
        this.shipped = data.shipped;
        this.spec = spec;
        this.batchSize = batchSize;
    }

    /** The scores after epoch {@code epoch} (from 0) of {@code epochs}. */
    Map<String, Double> afterEpoch(Weights weights, int epoch, int epochs) {
        sc.setJobDescription(String.format("dev evaluation after epoch %d/%d", epoch + 1, epochs));
        return score(weights);
    }

    Map<String, Double> score(Weights weights) {
        // predicting needs no Adam state: only the trainable vector is broadcast
        Broadcast<Weights> bw = sc.broadcast(new Weights(weights.params(), null, weights.step()));
        Predictor p = new Predictor(spec, batchSize);
        Broadcast<ShippedBackbone> backbone =
                shipped; // the tasks' closure takes this, not this object
        List<Prediction> ps =
                dev.mapPartitions(it -> p.run(it, bw.value(), backbone.value()).iterator())
                        .collect();
        bw.destroy();
        return Scores.of(ps, spec.head());
    }
}
