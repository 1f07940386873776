package org.adamix.model.adamix;

import org.adamix.model.ops.Ops;
import org.adamix.model.ops.Scratch;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce.floating.Mean;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One half (down or up) of a mixture: the experts' weights stacked along dimension 0, [M, out, in],
 * and biases [M, out] (null for LoRA). A shared half has M = 1.
 *
 * <p>Merging (AdaMix §3.3) is the plain average over dimension 0: the served model keeps one module.
 */
public record ExpertWeights(INDArray weight, INDArray bias) {

    public int experts() {
        return (int) weight.size(0);
    }

    public INDArray weight(int expert) {
        return Ops.slice(weight, expert);
    }

    public INDArray bias(int expert) {
        return bias == null ? null : Ops.slice(bias, expert);
    }

    /** The averaged expert, written into scratch slots; for M = 1 the expert itself. */
    public ExpertWeights averaged(Scratch s, String slot) {
        if (experts() == 1) return this;
        INDArray w = s.get(slot + ".w", 1, weight.size(1), weight.size(2));
        Nd4j.exec(new Mean(weight, w.reshape(weight.size(1), weight.size(2)), 0));
        INDArray b = null;
        if (bias != null) {
            b = s.get(slot + ".b", 1, bias.size(1));
            Nd4j.exec(new Mean(bias, b.reshape(bias.size(1)), 0));
        }
        return new ExpertWeights(w, b);
    }

    /** The merged copy: mean over experts, as a fresh [1, ...] array. */
    public static INDArray merge(INDArray stacked) {
        long[] shape = stacked.shape().clone();
        shape[0] = 1;
        return stacked.mean(true, 0).reshape(shape).dup();
    }
}
