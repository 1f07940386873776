package org.adamix.jobs.spark;

import java.io.Serializable;
import org.adamix.model.Trainable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What the driver broadcasts each round: the trainable vector, Adam's state (null before the first
 * step: workers start from zeros) and the global step. Plain float arrays: INDArrays do not
 * serialize. Training, evaluation and checkpoints all move a model's weights through this one form.
 */
public record Weights(float[] params, float[] state, long step) implements Serializable {

    /**
     * A model's trainable vector and step, without Adam's state: enough to predict, not to resume.
     */
    public static Weights of(Trainable m) {
        return new Weights(flat(m.trainableParams()), null, m.step());
    }

    /** A tensor as the plain vector Weights carry (a copy, in C order). */
    public static float[] flat(INDArray a) {
        return a.dup('c').data().asFloat();
    }

    /**
     * Sets weights, optimizer state (zeros when none yet) and step: the model then continues
     * exactly from them.
     */
    public void loadInto(Trainable m) {
        INDArray p = m.trainableParams();
        m.setTrainableParams(Nd4j.createFromArray(params).reshape(p.shape()));
        m.initUpdater();
        INDArray st = m.updaterState();
        if (st != null) {
            if (state == null) st.assign(0);
            else st.assign(Nd4j.createFromArray(state).reshape(st.shape()));
        }
        m.setStep(step);
    }
}
