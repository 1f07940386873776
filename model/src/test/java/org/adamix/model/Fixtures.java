package org.adamix.model;

import java.util.SplittableRandom;
import org.adamix.model.adamix.Router;
import org.adamix.model.checkpoint.Backbone;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Tiny models and batches shared by the model tests. */
final class Fixtures {
    private Fixtures() {}

    static BertConfig tiny(String act) {
        return BertConfig.tiny(40, 8, 2, 2, 12, 16, act);
    }

    static Backbone backbone(BertConfig c) {
        return RandomBackbone.create(c, 7, true);
    }

    /** Three sequences of different lengths (padding exercised), with token types and labels. */
    static Batch batch(BertConfig c, int numLabels, boolean regression, DataType dt, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] lengths = {6, 4, 5};
        int[][] ids = new int[lengths.length][];
        int[][] types = new int[lengths.length][];
        double[] labels = new double[lengths.length];
        for (int i = 0; i < lengths.length; i++) {
            ids[i] = new int[lengths[i]];
            types[i] = new int[lengths[i]];
            for (int j = 0; j < lengths[i]; j++) {
                ids[i][j] = r.nextInt(c.vocabSize());
                types[i][j] = j >= lengths[i] / 2 ? 1 : 0;
            }
            labels[i] = regression ? r.nextDouble() * 2 - 1 : r.nextInt(numLabels);
        }
        return Batch.of(ids, types, labels, numLabels, regression, dt);
    }

    /** Overwrites every trainable parameter with N(0, std) so no gradient is trivially zero. */
    static void randomize(AdaMixModel m, double std, long seed) {
        INDArray p = m.trainableParams();
        SplittableRandom r = new SplittableRandom(seed);
        double[] v = new double[(int) p.length()];
        for (int i = 0; i < v.length; i++)
            v[i] = org.adamix.model.layers.SpecParamInitializer.gaussian(r) * std;
        p.assign(Nd4j.createFromArray(v).reshape(p.shape()).castTo(p.dataType()));
    }

    /**
     * Logits of a training-mode forward pass (the routes of the model's current step, dropout on),
     * on the doubled batch when the consistency loss is on: rows [0, B) view 1, [B, 2B) view 2.
     */
    static INDArray trainingLogits(AdaMixModel m, Batch batch) {
        m.router().setStep(m.step());
        Nd4j.getRandom().setSeed(Router.stepSeed(m.seed(), m.step()));
        Batch b = m.adaptation().views() == 2 ? batch.doubled() : batch;
        return m.graph()
                .output(true, new INDArray[] {b.tokens()}, new INDArray[] {b.mask()})[0]
                .dup();
    }
}
