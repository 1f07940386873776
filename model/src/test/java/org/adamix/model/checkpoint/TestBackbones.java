package org.adamix.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.adamix.model.BertConfig;
import org.adamix.model.names.BertTensorNames;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Small random backbones and bit-level comparisons for the checkpoint tests. */
final class TestBackbones {

    private TestBackbones() {}

    /** vocab 50, hidden 8, 2 layers, 2 heads, FFN 16, 12 positions, 2 token types. */
    static BertConfig tinyBert() {
        return new BertConfig("bert", 50, 8, 2, 2, 16, 12, 2, 1e-12, "gelu", 0.1, 0.1, 0);
    }

    /** RoBERTa-shaped: 1 token type, positions offset by pad_token_id + 1 = 2. */
    static BertConfig tinyRoberta() {
        return new BertConfig("roberta", 50, 8, 1, 2, 16, 14, 1, 1e-5, "gelu", 0.1, 0.1, 1);
    }

    static Map<String, INDArray> randomTensors(BertConfig c, long seed, boolean pooler) {
        Random r = new Random(seed);
        Map<String, INDArray> m = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>(BertTensorNames.required(c));
        if (pooler) shapes.putAll(BertTensorNames.optional(c));
        shapes.forEach((name, shape) -> m.put(name, random(r, shape)));
        return m;
    }

    static Backbone random(BertConfig c, long seed, boolean pooler) {
        return Backbone.of(c, randomTensors(c, seed, pooler), "tiny");
    }

    static INDArray random(Random r, long... shape) {
        float[] data = new float[(int) Float32.numel(shape)];
        for (int i = 0; i < data.length; i++) data[i] = (float) r.nextGaussian();
        return Float32.create(data, shape);
    }

    static int[] bits(INDArray a) {
        float[] f = Float32.toFloats(a);
        int[] b = new int[f.length];
        for (int i = 0; i < f.length; i++) b[i] = Float.floatToRawIntBits(f[i]);
        return b;
    }

    static void assertBitIdentical(Map<String, INDArray> expected, Map<String, INDArray> actual) {
        assertEquals(
                new java.util.TreeSet<>(expected.keySet()),
                new java.util.TreeSet<>(actual.keySet()));
        for (String name : expected.keySet()) {
            assertArrayEquals(expected.get(name).shape(), actual.get(name).shape(), name);
            assertArrayEquals(bits(expected.get(name)), bits(actual.get(name)), name);
        }
    }
}
