package org.adamix.jobs.generation;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.adamix.datasets.generation.metrics.CorpusBleu;
import org.adamix.datasets.generation.metrics.RougeL;
import org.adamix.datasets.tokenize.Tokenizer;
import org.adamix.jobs.compare.RunConfig;
import org.adamix.jobs.compare.RunResult;
import org.adamix.jobs.data.ShardOrder;
import org.adamix.jobs.spark.Weights;
import org.adamix.model.AdaptationConfig;
import org.adamix.model.OptimizerConfig;
import org.adamix.model.decoder.BeamOptions;
import org.adamix.model.decoder.BeamSearch;
import org.adamix.model.decoder.Gpt2LmModel;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One generation configuration trained start to finish inside one Spark task, as {@code
 * compare/SingleRun} does for the encoder: the whole training set as one shard, the same batches
 * and schedule as {@code train --task generation} with one worker. After every epoch the dev loss
 * per target token is measured; the epoch with the lowest is kept (first on ties), merged (AdaMix
 * methods), and the merged model generates for every test source with the beam search, scored with
 * corpus BLEU and ROUGE-L against all of the source's references. The result depends only on
 * (configuration, data, backbone), so a retried task reproduces it.
 */
final class GenerationSingleRun implements Serializable {
    private static final int EVAL_BATCH = 16;
    private final Map<String, AdaptationConfig> adaptations;
    private final OptimizerConfig optimizer;
    private final double labelSmoothing;
    private final int epochs, batchSize, maxPromptTokens;
    private final BeamOptions beam;

    GenerationSingleRun(
            Map<String, AdaptationConfig> adaptations,
            OptimizerConfig optimizer,
            double labelSmoothing,
            int epochs,
            int batchSize,
            BeamOptions beam,
            int maxPromptTokens) {
        this.adaptations = Map.copyOf(adaptations);
        this.optimizer = optimizer;
        this.labelSmoothing = labelSmoothing;
        this.epochs = epochs;
        this.batchSize = batchSize;
        this.beam = beam;
        this.maxPromptTokens = maxPromptTokens;
    }

    RunResult run(RunConfig c, GenerationCompareData data, ShippedGpt2 backbone) {
        List<LmExample> train = data.train();
        long perEpoch = Math.max(1, (train.size() + batchSize - 1) / batchSize);
        OptimizerConfig opt = optimizer.withSchedule(c.lr(), epochs * perEpoch);
        GenerationSpec spec =
                new GenerationSpec(adaptations.get(c.method()), opt, labelSmoothing, c.seed());
        Gpt2LmModel m = spec.build(GenerationModels.backbone(backbone));
        long[] shape = m.trainableParams().shape();

        List<Double> devByEpoch = new ArrayList<>();
        float[] bestParams = null;
        double bestLoss = Double.NaN;
        int bestEpoch = 0;
        boolean diverged = false;
        long steps = 0, examples = 0, trainNanos = 0;
        for (int epoch = 0; epoch < epochs && !diverged; epoch++) {
            int[] order = ShardOrder.permutation(train.size(), c.seed(), epoch, 0);
            long t0 = System.nanoTime();
            for (int s = 0; s < perEpoch; s++) {
                List<LmExample> batch = ShardOrder.batch(train, order, s, batchSize);
                double loss = m.fit(GenerationRound.batchOf(batch));
                steps++;
                examples += batch.size();
                if (!Double.isFinite(loss)) {
                    diverged = true;
                    break;
                }
            }
            trainNanos += System.nanoTime() - t0;
            if (diverged) break; // a diverged epoch is not a candidate; earlier ones still are
            double devLoss = devLoss(m, data.dev());
            devByEpoch.add(devLoss);
            if (Double.isFinite(devLoss) && !(devLoss >= bestLoss)) { // first best on ties
                bestLoss = devLoss;
                bestEpoch = epoch + 1;
                bestParams = Weights.flat(m.trainableParams());
            }
        }
        boolean picked = bestParams != null;
        if (picked) m.setTrainableParams(Nd4j.createFromArray(bestParams).reshape(shape));
        Gpt2LmModel fin = m.adaptation().method().mixture() ? m.merge(false) : m;
        Map<String, Double> dev = null, test = null;
        if (picked) {
            dev = new LinkedHashMap<>();
            dev.put("loss", devLoss(fin, data.dev()));
            if (data.hasTest()) test = testScores(fin, data, backbone);
        }
        double speed = trainNanos == 0 ? Double.NaN : examples / (trainNanos / 1e9);
        return new RunResult(
                c,
                m.trainableParams().length(),
                fin.trainableParams().length(),
                steps,
                speed,
                bestEpoch,
                diverged,
                devByEpoch,
                dev,
                test);
    }

    /** Mean loss per target token (experts averaged, no smoothing). */
    static double devLoss(Gpt2LmModel m, List<LmExample> dev) {
        double[] lt = GenerationRound.lossAndTokens(m, dev);
        return lt[0] / Math.max(1, lt[1]);
    }

    private Map<String, Double> testScores(
            Gpt2LmModel m, GenerationCompareData data, ShippedGpt2 backbone) {
        Tokenizer tok = Generator.tokenizer(backbone.key(), data.tokenizerFiles());
        BeamSearch search = new BeamSearch(m.decoder(), beam);
        List<String> hyps = new ArrayList<>();
        List<int[]> prompts = data.testPrompts();
        for (int i = 0; i < prompts.size(); i += EVAL_BATCH) {
            int n = Math.min(prompts.size(), i + EVAL_BATCH) - i;
            int[][] ids = new int[n][];
            for (int k = 0; k < n; k++)
                ids[k] = Generator.lastTokens(prompts.get(i + k), maxPromptTokens);
            for (int[] g : search.generate(ids))
                hyps.add(Generator.text(tok, g, beam.eos()).trim());
        }
        Map<String, Double> scores = new LinkedHashMap<>();
        scores.put("bleu", CorpusBleu.of(hyps, data.testReferences()).score());
        scores.put("rouge_l", RougeL.corpus(hyps, data.testReferences()));
        return scores;
    }
}
