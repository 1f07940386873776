package org.adamix.model.adamix;

import org.adamix.model.ops.Dropout;
import org.adamix.model.ops.Ops;
import org.adamix.model.ops.Scratch;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A mixture of LoRA pairs on one projection: y += (alpha/r)·(dropout(x)·Aᵀ)·Bᵀ, A [r, in] ("down"),
 * B [out, r] ("up", zero-initialised). With M = 1 it is plain LoRA. Routing and averaging follow
 * {@link AdapterMixture}; the attention layer gives Q and V the same route. LoRA's dropout (the
 * authors use 0.1 for GPT-2) acts on the low-rank branch's input only.
 */
public final class LoraMixture {
    private final String slot;
    private final int layer;
    private final double scale;
    private final double dropout;
    private final Router router;
    private Router.Route[] routes;
    private boolean dropped;

    public LoraMixture(String slot, int layer, double scale, double dropout, Router router) {
        this.slot = slot;
        this.layer = layer;
        this.scale = scale;
        this.dropout = dropout;
        this.router = router;
    }

    /** Adds the low-rank update of every view into y (which already holds x·Wᵀ + b). */
    public void forward(INDArray x, INDArray y, ExpertWeights a, ExpertWeights b, boolean training, int views, Scratch s) {
        long n = x.size(0), r = a.weight().size(1);
        INDArray xa = s.get(slot + ".xa", n, r);
        dropped = training && dropout > 0;
        if (dropped) {
            INDArray xd = s.get(slot + ".xd", x.shape());
            xd.assign(x);
            Dropout.forward(xd, dropout, true, s, slot + ".drop");
            x = xd;
        }
        if (!training && router.evaluation() != Router.Evaluation.AVERAGE) {
            forwardRandomlyRouted(x, y, a, b, s);
            return;
        }
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

    /** Evaluation with random routing: y += scale·Σ_u sel_u ⊙ ((Σ_d sel_d ⊙ x·A_dᵀ)·B_uᵀ), each row its own experts. */
    private void forwardRandomlyRouted(INDArray x, INDArray y, ExpertWeights a, ExpertWeights b, Scratch s) {
        long n = x.size(0), r = a.weight().size(1), out = y.size(1);
        INDArray xa = s.zeros(slot + ".xa", n, r), part = s.get(slot + ".part", n, r);
        INDArray sel = s.get(slot + ".sel", n, 1), partY = s.get(slot + ".partY", n, out);
        int[] d = router.evaluationExperts(layer, 0, (int) n, a.experts()), u = router.evaluationExperts(layer, 1, (int) n, b.experts());
        for (int e = 0; e < a.experts(); e++) {
            Ops.gemm(x, a.weight(e), part, false, true, 1.0, 0.0);
            xa.addi(part.muliColumnVector(AdapterMixture.selection(sel, d, e)));
        }
        for (int e = 0; e < b.experts(); e++) {
            Ops.gemm(xa, b.weight(e), partY, false, true, scale, 0.0);
            y.addi(partY.muliColumnVector(AdapterMixture.selection(sel, u, e)));
        }
    }

    /** dA, dB overwritten for the last forward's routes; dx (if not null) accumulates the input gradient. */
    public void backward(INDArray x, INDArray dy, INDArray dx, ExpertWeights a, ExpertWeights b,
                         ExpertWeights dA, ExpertWeights dB, Scratch s) {
        long n = x.size(0), r = a.weight().size(1);
        INDArray xa = s.get(slot + ".xa", n, r);
        INDArray dxa = s.get(slot + ".dxa", n, r);
        INDArray dxLora = null;
        if (dropped) {
            x = s.get(slot + ".xd", x.shape());
            if (dx != null) { // the branch's input gradient goes through the mask before joining dx
                dxLora = dx;
                dx = s.zeros(slot + ".dxd", x.shape());
            }
        }
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
        if (dxLora != null) {
            Dropout.backward(dx, dropout, true, s, slot + ".drop");
            dxLora.addi(dx);
        }
    }

    public Router.Route[] lastRoutes() {
        return routes.clone();
    }
}
