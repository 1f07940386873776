package org.adamix.model.ops;

import org.adamix.model.adamix.Router;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Inverted dropout at one place of a layer. Its mask is a {@link DropoutMask}: a function of the
 * model's seed, the step, the layer and the place, recomputed where needed instead of stored, so a
 * layer keeps no mask between its forward and backward pass and two runs draw the same masks.
 */
public final class Dropout {
    private final double p;
    private final Router router;
    private final int layer;
    private final String place;

    /** The ND4J path's multipliers (float64, or no Vector API), made for one call. */
    private final Buffer multipliers;

    /** The mask of the last forward pass, or null when it drew none. */
    private DropoutMask last;

    /** Dropout with probability p at {@code place} (a name unique within the layer). */
    public Dropout(double p, Router router, int layer, String place, Buffers buffers) {
        this.p = p;
        this.router = router;
        this.layer = layer;
        this.place = place;
        this.multipliers = buffers.scratch();
    }

    /**
     * This step's mask for the forward pass (null when p == 0 or not training), also what {@link
     * #last} returns until the next forward pass.
     */
    public DropoutMask draw(boolean training) {
        last =
                training && p > 0
                        ? new DropoutMask(router.dropoutSeed(layer, place.hashCode()), p)
                        : null;
        return last;
    }

    public DropoutMask last() {
        return last;
    }

    /** x *= mask/keep in place; no-op when p == 0 or not training. */
    public void forward(INDArray x, boolean training) {
        apply(draw(training), x);
    }

    /** dx *= mask/keep in place, for the mask of the last forward pass. */
    public void backward(INDArray dx) {
        apply(last, dx);
    }

    /** x *= the multipliers of {@code mask} (indexed by x's row-major element order). */
    public void apply(DropoutMask mask, INDArray x) {
        if (mask == null) return;
        if (Kernels.on(x)) {
            Kernels.dropout(mask, x);
            return;
        }
        INDArray m = multipliers.get(x.shape());
        m.assign(mask.materialize(x.shape(), x.dataType()));
        x.muli(m);
    }
}
