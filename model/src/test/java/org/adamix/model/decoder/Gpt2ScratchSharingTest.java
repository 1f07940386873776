package org.adamix.model.decoder;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.adamix.model.AdaptationConfig;
import org.adamix.model.Method;
import org.adamix.model.OptimizerConfig;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * What a GPT-2 block keeps between its forward and backward pass, counted by hand: each added block
 * costs exactly the arrays its backward pass reads (plus its outputs and its KV-cache rows),
 * whatever the number of blocks, because the blocks' temporaries live in one scratch pool.
 */
class Gpt2ScratchSharingTest {
    private static final int H = 8, HEADS = 2, F = 12, R = 3;

    private static long bytesAfterOneStep(int layers) {
        Gpt2Config config = new Gpt2Config(100, 16, H, layers, HEADS, F, 1e-5);
        Gpt2LmModel m =
                Gpt2LmModel.build(
                        Gpt2Fixtures.randomBackbone(config, 5),
                        AdaptationConfig.of(Method.PFEIFFER, R),
                        OptimizerConfig.adam(1e-3),
                        0.0,
                        1,
                        DataType.FLOAT);
        m.fit(Gpt2GradientCheckTest.batch());
        return m.decoder().bufferBytes();
    }

    @Test
    void aBlockKeepsOnlyWhatItsBackwardPassReads() {
        long two = bytesAfterOneStep(2), three = bytesAfterOneStep(3), five = bytesAfterOneStep(5);
        long perBlock = three - two;
        assertEquals(2 * perBlock, five - three, "linear in blocks: the scratch pool is shared");

        LmBatch batch = Gpt2GradientCheckTest.batch();
        long n = (long) batch.batch() * batch.t(); // one view: a single adapter
        long attention =
                n * H
                        + n // ln_1's x̂ and 1/σ
                        + 3 * n * H // h1, q, the context
                        + 2 * n * H; // the KV cache's keys and values
        long mlp =
                n * H
                        + n // ln_2's x̂ and 1/σ
                        + n * H // h2
                        + 2 * n * F // c_fc's pre-activation, GELU's output
                        + n * H // mlp.c_proj's output (the adapter's input)
                        + 3 * n * R; // the adapter's pre-activation, activation and GELU keep
        long outputs = 2 * n * H; // out and dx
        assertEquals(4 * (attention + mlp + outputs), perBlock, "bytes one block keeps (float32)");
    }
}
