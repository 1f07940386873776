package org.adamix.jobs.compare;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.adamix.jobs.data.BatchMaker;
import org.adamix.jobs.data.ShardOrder;
import org.adamix.jobs.data.TokenizedExample;
import org.adamix.jobs.eval.Predictor;
import org.adamix.jobs.eval.Scores;
import org.adamix.jobs.spark.ExecutorModels;
import org.adamix.jobs.spark.ModelSpec;
import org.adamix.jobs.spark.ShippedBackbone;
import org.adamix.jobs.spark.Weights;
import org.adamix.jobs.train.BestRound;
import org.adamix.model.AdaMixModel;
import org.adamix.model.AdaptationConfig;
import org.adamix.model.HeadConfig;
import org.adamix.model.OptimizerConfig;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One configuration trained start to finish inside one Spark task, as the in-process loop trains:
 * the whole training set is one shard ({@link ShardOrder} with worker 0), the same batches, the
 * same warm-up and linear decay over epochs × steps per epoch. After every epoch the model is
 * scored on dev; the best epoch's weights (first best on ties) are kept, merged (AdaMix methods)
 * and scored on dev and test. The result depends only on (configuration, data, backbone), so a
 * retried task reproduces it.
 */
public final class SingleRun implements Serializable {
    private final Map<String, AdaptationConfig> adaptations;
    private final HeadConfig head;
    private final OptimizerConfig optimizer;
    private final int epochs;
    private final int batchSize;
    private final boolean recompute;
    private final String metric;

    /**
     * {@code optimizer}: the base settings; each run sets its own learning rate and total steps.
     */
    public SingleRun(
            Map<String, AdaptationConfig> adaptations,
            HeadConfig head,
            OptimizerConfig optimizer,
            int epochs,
            int batchSize,
            boolean recompute,
            String metric) {
        this.recompute = recompute;
        this.adaptations = Map.copyOf(adaptations);
        this.head = head;
        this.optimizer = optimizer;
        this.epochs = epochs;
        this.batchSize = batchSize;
        this.metric = metric;
    }

    public static long stepsPerEpoch(int examples, int batchSize) {
        return Math.max(1, (examples + batchSize - 1) / batchSize);
    }

    public RunResult run(RunConfig c, CompareData data, ShippedBackbone backbone) {
        List<TokenizedExample> train = data.train();
        long perEpoch = stepsPerEpoch(train.size(), batchSize);
        OptimizerConfig opt = optimizer.withSchedule(c.lr(), epochs * perEpoch);
        ModelSpec spec = new ModelSpec(adaptations.get(c.method()), head, opt, c.seed(), recompute);
        AdaMixModel m = ExecutorModels.buildForTask(backbone, spec);
        long[] shape = m.trainableParams().shape();

        BestRound best = BestRound.of(metric, head.regression(), true);
        List<Double> devByEpoch = new ArrayList<>();
        boolean diverged = false;
        long steps = 0, examples = 0, trainNanos = 0;
        for (int epoch = 0; epoch < epochs && !diverged; epoch++) {
            int[] order = ShardOrder.permutation(train.size(), c.seed(), epoch, 0);
            long t0 = System.nanoTime();
            for (int s = 0; s < perEpoch; s++) {
                List<TokenizedExample> batch = ShardOrder.batch(train, order, s, batchSize);
                double loss = m.fit(BatchMaker.of(batch, head, true));
                steps++;
                examples += batch.size();
                if (!Double.isFinite(loss)) {
                    diverged = true;
                    break;
                }
            }
            trainNanos += System.nanoTime() - t0;
            float[] params = Weights.flat(m.trainableParams());
            diverged |= !finite(params);
            if (diverged) break; // a diverged epoch is not a candidate; earlier ones still are
            Map<String, Double> scores = score(m, data.dev());
            devByEpoch.add(scores.get(metric));
            best.offer(scores, new Weights(params, null, m.step()), epoch + 1, epoch + 1);
        }
        boolean picked = best.weights() != null;
        if (picked)
            m.setTrainableParams(Nd4j.createFromArray(best.weights().params()).reshape(shape));
        AdaMixModel fin = m.adaptation().method().mixture() ? m.merge(false) : m;
        Map<String, Double> dev = picked ? score(fin, data.dev()) : null;
        Map<String, Double> test = picked && data.hasTest() ? score(fin, data.test()) : null;
        double speed = trainNanos == 0 ? Double.NaN : examples / (trainNanos / 1e9);
        return new RunResult(
                c,
                m.trainableParams().length(),
                fin.trainableParams().length(),
                steps,
                speed,
                picked ? best.epoch() : 0,
                diverged,
                devByEpoch,
                dev,
                test);
    }

    private Map<String, Double> score(AdaMixModel model, List<TokenizedExample> examples) {
        return Scores.of(Predictor.predict(model, examples.iterator(), batchSize * 2), head);
    }

    private static boolean finite(float[] v) {
        for (float x : v) if (!Float.isFinite(x)) return false;
        return true;
    }
}
