package org.adamix.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * What a layer keeps between its forward and backward pass, counted by hand: each added Transformer
 * layer costs exactly the arrays its backward pass reads, whatever the number of layers, because
 * every temporary lives in the model's one scratch pool.
 */
class ScratchSharingTest {
    private static final int H = 8, HEADS = 2, F = 12, R = 3;

    private static BertConfig config(int layers) {
        return BertConfig.tiny(40, H, layers, HEADS, F, 16, "gelu").withDropout(0.1, 0.1);
    }

    private static AdaMixModel model(int layers, AdaptationConfig a, boolean recompute) {
        AdaMixModel m =
                AdaMixModel.build(
                        RandomBackbone.create(config(layers), 7, true),
                        a,
                        HeadConfig.classification(3),
                        OptimizerConfig.adam(1e-2),
                        11,
                        DataType.FLOAT);
        return recompute ? m.recomputeActivations() : m;
    }

    private static long bytesAfterOneStep(int layers, boolean recompute) {
        AdaMixModel m = model(layers, AdaptationConfig.of(Method.ADAMIX_ADAPTER, R), recompute);
        m.fit(Fixtures.batch(config(layers), 3, false, DataType.FLOAT, 3));
        return m.bufferBytes();
    }

    private static long bytesAfterOneStep(int layers) {
        return bytesAfterOneStep(layers, false);
    }

    @Test
    void aLayerKeepsOnlyWhatItsBackwardPassReads() {
        long two = bytesAfterOneStep(2), three = bytesAfterOneStep(3), five = bytesAfterOneStep(5);
        long perLayer = three - two;
        assertEquals(2 * perLayer, five - three, "linear in layers: the scratch pool is shared");

        // the batch: 3 sequences padded to 6 tokens, two views for the consistency loss
        long b = 2 * 3, t = 6, n = b * t;
        long attention =
                4 * n * H // Q, K, V, context
                        + b * HEADS * t * 2 // softmax rows' max and 1/sum (not the T×T P)
                        + b * t // the key-padding bias
                        + n * H // output (the FFN's input)
                        + n * H
                        + n; // LayerNorm's x̂ and 1/σ
        long ffn =
                n * F // GELU's input
                        + n * H // dense output (the adapter's input)
                        + 3 * n * R // the adapter's pre-activation, activation and GELU keep
                        + n * H // output
                        + n * H
                        + n; // LayerNorm's x̂ and 1/σ
        assertEquals(4 * (attention + ffn), perLayer, "bytes one layer keeps (float32)");
    }

    @Test
    void withRecomputationALayerKeepsOnlyItsOutputs() {
        long two = bytesAfterOneStep(2, true), five = bytesAfterOneStep(5, true);
        long n = 2 * 3 * 6;
        assertEquals(3 * 2 * 4 * n * H, five - two, "per layer: two outputs of n × H floats");
        assertTrue(
                five < bytesAfterOneStep(5, false),
                "five layers recomputing hold less than five layers keeping their activations");
    }

    /**
     * The same steps with and without recomputation, with dropout (recomputed from the step's
     * seed), routing, the consistency loss and LoRA dropout: identical weights and Adam state.
     */
    @Test
    void recomputationChangesNoBit() {
        for (AdaptationConfig a :
                List.of(
                        AdaptationConfig.of(Method.ADAMIX_ADAPTER, R),
                        AdaptationConfig.of(Method.ADAMIX_LORA, R).withLoraDropout(0.2),
                        AdaptationConfig.of(Method.HOULSBY, R))) {
            AdaMixModel plain = model(3, a, false), recomputing = model(3, a, true);
            for (int step = 0; step < 3; step++) {
                Batch b = Fixtures.batch(config(3), 3, false, DataType.FLOAT, 3 + step);
                assertEquals(
                        plain.fit(b), recomputing.fit(b), 0.0, a.method() + " loss, step " + step);
            }
            assertArrayEquals(
                    plain.trainableParams().dup().data().asFloat(),
                    recomputing.trainableParams().dup().data().asFloat(),
                    a.method() + " weights");
            assertArrayEquals(
                    plain.updaterState().dup().data().asFloat(),
                    recomputing.updaterState().dup().data().asFloat(),
                    a.method() + " Adam state");
        }
    }
}
