package org.adamix.model.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.adamix.model.Method;
import org.junit.jupiter.api.Test;

/**
 * FLOPs of a step against hand-computed cases: 2 layers, hidden 4, FFN 8, rank 2, 3 tokens. Per
 * layer: dense 2·3·(4·16 + 2·4·8) = 768, attention 4·9·4 = 144, adapter 4·3·4·2 = 96, LoRA pairs
 * 8·3·4·2 = 192.
 */
class StepFlopsTest {
    private static StepFlops of(Method m) {
        return new StepFlops(m, 2, 4, 8, 2);
    }

    @Test
    void adapterAtTheFfnOutput() {
        // infer 2·(768 + 144 + 96); backward: layer 2's input gradients 768 + 2·144, both
        // adapters' weight and input gradients 2·2·96; layer 1 needs nothing below its adapter
        assertEquals(2016, of(Method.PFEIFFER).infer(3));
        assertEquals(2016 + 1056 + 384, of(Method.PFEIFFER).train(3));
        assertEquals(of(Method.PFEIFFER).train(3), of(Method.ADAMIX_ADAPTER).train(3));
    }

    @Test
    void loraNeedsTheFirstLayersGradientsDownToItsQueryAndValue() {
        // infer 2·(768 + 144 + 192); layer 1 skips the Q, K, V input gradients 3·2·3·16 = 288
        assertEquals(2208, of(Method.LORA).infer(3));
        assertEquals(2208 + 1056 + (1056 - 288) + 2 * 384, of(Method.LORA).train(3));
    }

    @Test
    void houlsbysAttentionAdapterNeedsTheFirstFfnsGradients() {
        // two adapters per layer: 192; layer 1's FFN input gradients 2·3·2·4·8 = 384
        assertEquals(2 * (768 + 144 + 192), of(Method.HOULSBY).infer(3));
        assertEquals(2208 + 1056 + 384 + 2 * 384, of(Method.HOULSBY).train(3));
    }

    @Test
    void fullFineTuningComputesWeightAndInputGradientsEverywhere() {
        assertEquals(2 * (768 + 144), of(Method.FULL).infer(3));
        assertEquals(1824 + 2 * (2 * 768 + 2 * 144), of(Method.FULL).train(3));
    }
}
