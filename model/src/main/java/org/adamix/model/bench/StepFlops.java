package org.adamix.model.bench;

import org.adamix.model.Method;

/**
 * Matrix-product FLOPs (2 per multiply-add) of one encoder pass over one sequence of T tokens: the
 * work a step must do, whatever the engine. Element-wise work (softmax, GELU, LayerNorm), the
 * embeddings and the head are not counted, so FLOPs / time is a lower bound on the GEMM rate.
 *
 * <p>Per layer, forward: the dense products 2T(4H² + 2HF) (Q, K, V, O, the FFN's two), attention
 * 4T²H (QKᵀ, PV), an adapter 4THr, a LoRA pair on Q and on V 8THr. Backward through a frozen
 * backbone needs only input gradients (as much as the forward product) and the adapters' weight
 * gradients; attention's backward is 8T²H (dP, dV, dQ, dK). Nothing below the lowest trained tensor
 * needs a gradient: the first layer's dense and attention backward are skipped for adapters at the
 * FFN output (Houlsby's attention adapter needs that layer's FFN input gradients), and its Q/K/V
 * input gradients for LoRA.
 */
record StepFlops(Method method, int layers, int hidden, int ffn, int rank) {

    /** One inference pass over one sequence of {@code t} tokens. */
    double infer(int t) {
        return layers * (dense(t) + attention(t) + adaptation(t));
    }

    /** One training pass (forward + backward) over one sequence of {@code t} tokens. */
    double train(int t) {
        double upper = dense(t) + 2 * attention(t); // input gradients of a layer above the lowest
        double adaptationBackward = 2 * adaptation(t); // input and weight gradients
        double backward =
                switch (method) {
                    case FULL -> layers * (2 * dense(t) + 2 * attention(t));
                    case LORA, ADAMIX_LORA ->
                            (layers - 1) * upper
                                    + (upper - 6.0 * t * hidden * hidden)
                                    + layers * adaptationBackward;
                    case NONE -> 0;
                    // the attention adapter of the first layer needs its FFN's input gradients
                    case HOULSBY ->
                            (layers - 1) * upper
                                    + 4.0 * t * hidden * ffn
                                    + layers * adaptationBackward;
                    default -> (layers - 1) * upper + layers * adaptationBackward;
                };
        return infer(t) + backward;
    }

    private double dense(int t) {
        return 2.0 * t * (4.0 * hidden * hidden + 2.0 * hidden * ffn);
    }

    private double attention(int t) {
        return 4.0 * t * t * hidden;
    }

    /** The adaptation modules' products at inference (one routed expert). */
    private double adaptation(int t) {
        if (method.lora()) return 8.0 * t * hidden * rank;
        double adapter = 4.0 * t * hidden * rank;
        return method.adapterAtAttention() ? 2 * adapter : method.adapterAtFfn() ? adapter : 0;
    }
}
