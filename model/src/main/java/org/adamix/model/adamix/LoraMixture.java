package org.adamix.model.adamix;

import org.adamix.model.ops.Ops;
import org.adamix.model.ops.Scratch;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A mixture of LoRA pairs on one projection: y += (alpha/r)·(x·Aᵀ)·Bᵀ, A [r, in] ("down"),
 * B [out, r] ("up", zero-initialised). With M = 1 it is plain LoRA. Routing and averaging follow
 * {@link AdapterMixture}; the attention layer gives Q and V the same route.
 */
public final class LoraMixture {
    private final String slot;
    private final int layer;
    private final double scale;
    private final Router router;
    private Router.Route[] routes;

    public LoraMixture(String slot, int layer, double scale, Router router) {
        this.slot = slot;
        this.layer = layer;
        this.scale = scale;
        this.router = router;
    }

    /** Adds the low-rank update of every view into y (which already holds x·Wᵀ + b). */
    public void forward(INDArray x, INDArray y, ExpertWeights a, ExpertWeights b, boolean training, int views, Scratch s) {
        long n = x.size(0), r = a.weight().size(1);
        INDArray xa = s.get(slot + ".xa", n, r);
        if (!training) {
            views = 1;
            a = a.averaged(s, slot + ".avgA");
            b = b.averaged(s, slot + ".avgB");
        }
        routes = router.routes(layer, views, a.experts(), b.experts());
        long rows = n / views;
        for (int v = 0; v < views; v++) {
            Router.Route route = routes[v];
            INDArray xv = Ops.rows(x, v * rows, (v + 1) * rows);
            INDArray xav = Ops.rows(xa, v * rows, (v + 1) * rows);
            Ops.gemm(xv, a.weight(route.down()), xav, false, true, 1.0, 0.0);
            Ops.gemm(xav, b.weight(route.up()), Ops.rows(y, v * rows, (v + 1) * rows), false, true, scale, 1.0);
        }
    }

    /** dA, dB overwritten for the last forward's routes; dx (if not null) accumulates the input gradient. */
    public void backward(INDArray x, INDArray dy, INDArray dx, ExpertWeights a, ExpertWeights b,
                         ExpertWeights dA, ExpertWeights dB, Scratch s) {
        long n = x.size(0), r = a.weight().size(1);
        INDArray xa = s.get(slot + ".xa", n, r);
        INDArray dxa = s.get(slot + ".dxa", n, r);
        dA.weight().assign(0);
        dB.weight().assign(0);
        long rows = n / routes.length;
        for (int v = 0; v < routes.length; v++) {
            Router.Route route = routes[v];
            long lo = v * rows, hi = (v + 1) * rows;
            INDArray xv = Ops.rows(x, lo, hi), dyv = Ops.rows(dy, lo, hi);
            INDArray xav = Ops.rows(xa, lo, hi), dxav = Ops.rows(dxa, lo, hi);
            Ops.gemm(dyv, xav, dB.weight(route.up()), true, false, scale, 1.0);
            Ops.gemm(dyv, b.weight(route.up()), dxav, false, false, scale, 0.0);
            Ops.gemm(dxav, xv, dA.weight(route.down()), true, false, 1.0, 1.0);
            if (dx != null) Ops.gemm(dxav, a.weight(route.down()), Ops.rows(dx, lo, hi), false, false, 1.0, 1.0);
        }
    }

    public Router.Route[] lastRoutes() {
        return routes.clone();
    }
}
