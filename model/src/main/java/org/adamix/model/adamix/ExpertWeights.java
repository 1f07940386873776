package org.adamix.model.adamix;

import org.adamix.model.ops.Buffer;
import org.adamix.model.ops.Ops;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce.floating.Mean;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One half (down or up) of a mixture: the experts' weights stacked along dimension 0, [M, out, in],
 * and biases [M, out] (null for LoRA). A shared half has M = 1.
 *
 * <p>Merging (AdaMix §3.3) is the plain average over dimension 0: the served model keeps one
 * module. Evaluation and the merge both use {@link #averageInto}, so they compute the same weights.
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

    /**
     * The averaged expert as [1, out, in] (+ [1, out]) views of the given buffers; for M = 1 the
     * expert itself.
     */
    public ExpertWeights averaged(Buffer weightBuffer, Buffer biasBuffer) {
        if (experts() == 1) return this;
        INDArray w = weightBuffer.get(1, weight.size(1), weight.size(2));
        INDArray b = bias == null ? null : biasBuffer.get(1, bias.size(1));
        averageInto(w, b);
        return new ExpertWeights(w, b);
    }

    /**
     * Writes the mean over experts into {@code w} (and {@code b} when there is a bias), any shapes
     * of the right length.
     */
    public void averageInto(INDArray w, INDArray b) {
        Nd4j.exec(new Mean(weight, w.reshape(weight.size(1), weight.size(2)), 0));
        if (bias != null) Nd4j.exec(new Mean(bias, b.reshape(bias.size(1)), 0));
    }
}
