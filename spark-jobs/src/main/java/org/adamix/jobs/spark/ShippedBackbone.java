package org.adamix.jobs.spark;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import org.adamix.model.BertConfig;
import org.adamix.model.checkpoint.Backbone;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The frozen backbone and its tokenizer as plain arrays, the form broadcast to executors ({@link
 * Backbone} and INDArray are not serializable). Executors rebuild it once per JVM ({@link
 * ExecutorModels}).
 */
public record ShippedBackbone(
        BertConfig config,
        String name,
        String checksum,
        String[] tensorNames,
        long[][] shapes,
        float[][] values,
        Map<String, byte[]> tokenizerFiles)
        implements Serializable {

    public static ShippedBackbone of(Backbone b, Map<String, byte[]> tokenizerFiles) {
        int n = b.tensors().size();
        String[] names = new String[n];
        long[][] shapes = new long[n][];
        float[][] values = new float[n][];
        int i = 0;
        for (Map.Entry<String, INDArray> e : b.tensors().entrySet()) {
            names[i] = e.getKey();
            shapes[i] = e.getValue().shape();
            values[i] = e.getValue().castTo(DataType.FLOAT).dup('c').data().asFloat();
            i++;
        }
        return new ShippedBackbone(
                b.config(),
                b.name(),
                b.checksum(),
                names,
                shapes,
                values,
                new LinkedHashMap<>(tokenizerFiles));
    }

    public Backbone toBackbone() {
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        for (int i = 0; i < tensorNames.length; i++)
            tensors.put(tensorNames[i], Nd4j.create(values[i], shapes[i], 'c'));
        return new Backbone(config, tensors, name, checksum);
    }
}
