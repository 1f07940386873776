package org.adamix.jobs.eval;

import java.io.Serializable;

/**
 * The model's output for one example: logits (classification) or the predicted value (regression),
 * and the true label if known.
 */
public record Prediction(String id, float[] outputs, double label) implements Serializable {

    public int predictedClass() {
        int best = 0;
        for (int i = 1; i < outputs.length; i++) if (outputs[i] > outputs[best]) best = i;
        return best;
    }

    public double[] probabilities() {
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (float o : outputs) max = Math.max(max, o);
        double[] p = new double[outputs.length];
        for (int i = 0; i < p.length; i++) sum += p[i] = Math.exp(outputs[i] - max);
        for (int i = 0; i < p.length; i++) p[i] /= sum;
        return p;
    }
}
