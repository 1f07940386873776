package org.adamix.jobs.generation;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import org.adamix.model.checkpoint.Gpt2Backbone;
import org.adamix.model.decoder.Gpt2Config;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A GPT-2 backbone as plain arrays, the form broadcast to executors (INDArrays do not serialize);
 * executors rebuild it once per JVM ({@link GenerationModels}), keyed by {@link #key}.
 */
public record ShippedGpt2(
        Gpt2Config config, String key, String[] names, long[][] shapes, float[][] values)
        implements Serializable {

    public static ShippedGpt2 of(Gpt2Backbone b, String key) {
        int n = b.tensors().size(), i = 0;
        String[] names = new String[n];
        long[][] shapes = new long[n][];
        float[][] values = new float[n][];
        for (Map.Entry<String, INDArray> e : b.tensors().entrySet()) {
            names[i] = e.getKey();
            shapes[i] = e.getValue().shape();
            values[i] = e.getValue().castTo(DataType.FLOAT).dup('c').data().asFloat();
            i++;
        }
        return new ShippedGpt2(b.config(), key, names, shapes, values);
    }

    public Gpt2Backbone toBackbone() {
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        for (int i = 0; i < names.length; i++)
            tensors.put(names[i], Nd4j.create(values[i], shapes[i], 'c'));
        return new Gpt2Backbone(config, tensors, key);
    }
}
