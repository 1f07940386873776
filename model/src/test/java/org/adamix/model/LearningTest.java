package org.adamix.model;

import static org.adamix.model.BitExact.assertBitIdentical;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Each method learns a synthetic sequence task from scratch on a random frozen backbone: is token 3
 * anywhere in the sequence? (chance: 50 %). Training is deterministic given the seed.
 */
class LearningTest {
    /** Xavier-scale weights: with BERT's 0.02 a random frozen encoder barely mixes tokens. */
    static final double STD = 1 / Math.sqrt(32);

    static final BertConfig CONFIG = BertConfig.tiny(24, 32, 2, 4, 64, 16, "gelu_new");

    static Batch sample(SplittableRandom r, int size) {
        int[][] ids = new int[size][];
        double[] y = new double[size];
        for (int i = 0; i < size; i++) {
            int len = 4 + r.nextInt(8);
            ids[i] = new int[len];
            ids[i][0] = 1; // [CLS]
            boolean positive = r.nextBoolean();
            for (int j = 1; j < len; j++) ids[i][j] = 4 + r.nextInt(CONFIG.vocabSize() - 4);
            if (positive) ids[i][1 + r.nextInt(len - 1)] = 3;
            y[i] = positive ? 1 : 0;
        }
        return Batch.of(ids, null, y, 2, false, DataType.FLOAT);
    }

    static double accuracy(AdaMixModel m, Batch test) {
        INDArray pred = m.predict(test).argMax(1);
        INDArray truth = test.labels().argMax(1);
        return pred.eq(truth).castTo(DataType.FLOAT).meanNumber().doubleValue();
    }

    static AdaMixModel train(AdaptationConfig a, long seed, int steps) {
        AdaMixModel m =
                AdaMixModel.build(
                        RandomBackbone.create(CONFIG, 1, false, STD),
                        a,
                        HeadConfig.classification(2),
                        OptimizerConfig.paper(a.method() == Method.FULL ? 1e-3 : 5e-3, steps),
                        seed);
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < steps; i++) {
            double loss = m.fit(sample(r, 32));
            // the reported loss is the data loss alone (cross-entropy + consistency), never
            // negative
            assertTrue(loss >= 0 && Double.isFinite(loss), "step " + i + " loss " + loss);
        }
        return m;
    }

    @ParameterizedTest
    @EnumSource(
            value = Method.class,
            names = {"FULL", "HOULSBY", "PFEIFFER", "LORA", "ADAMIX_ADAPTER", "ADAMIX_LORA"})
    void learnsFarAboveChance(Method method) {
        AdaMixModel m = train(AdaptationConfig.of(method, 8), 42, 300);
        double acc = accuracy(m, sample(new SplittableRandom(999), 512));
        assertTrue(acc > 0.9, method + " reached only " + acc);
        if (method.mixture())
            assertTrue(accuracy(m.merge(false), sample(new SplittableRandom(999), 512)) > 0.9);
    }

    @Test
    void trainingIsDeterministicGivenTheSeed() {
        AdaptationConfig a =
                AdaptationConfig.of(Method.ADAMIX_ADAPTER, 8).withTrainLayerNorms(true);
        AdaMixModel one = train(a, 7, 20), two = train(a, 7, 20);
        assertBitIdentical(one.trainableParams(), two.trainableParams(), "weights");
        assertBitIdentical(one.updaterState(), two.updaterState(), "Adam state");
    }
}
