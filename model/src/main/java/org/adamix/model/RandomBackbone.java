package org.adamix.model;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.adamix.model.checkpoint.Backbone;
import org.adamix.model.layers.SpecParamInitializer;
import org.adamix.model.names.BertTensorNames;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A randomly initialised backbone of a given shape (BERT's init: N(0, 0.02) weights, zero biases,
 * unit LayerNorm gains), for benchmarks and tests that learn from scratch. Deterministic in the
 * seed.
 */
public final class RandomBackbone {
    private RandomBackbone() {}

    public static Backbone create(BertConfig config, long seed, boolean pooler) {
        return create(config, seed, pooler, 0.02);
    }

    /**
     * With weights N(0, std): a larger std gives a random encoder whose attention carries signal.
     */
    public static Backbone create(BertConfig config, long seed, boolean pooler, double std) {
        Map<String, long[]> shapes = new LinkedHashMap<>(BertTensorNames.required(config));
        if (pooler) {
            shapes.put(
                    BertTensorNames.POOLER + ".weight",
                    new long[] {config.hiddenSize(), config.hiddenSize()});
            shapes.put(BertTensorNames.POOLER + ".bias", new long[] {config.hiddenSize()});
        }
        SplittableRandom r = new SplittableRandom(seed);
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            String name = e.getKey();
            long n = 1;
            for (long d : e.getValue()) n *= d;
            float[] v = new float[(int) n];
            if (name.contains("LayerNorm.weight")) java.util.Arrays.fill(v, 1f);
            else if (!name.endsWith(".bias"))
                for (int i = 0; i < v.length; i++)
                    v[i] = (float) (SpecParamInitializer.gaussian(r) * std);
            tensors.put(name, Nd4j.createFromArray(v).reshape(e.getValue()).castTo(DataType.FLOAT));
        }
        return Backbone.of(config, tensors, "random-" + seed);
    }
}
