package org.adamix.model.adamix;

import org.adamix.model.Gelu;
import org.adamix.model.ops.Ops;
import org.adamix.model.ops.Scratch;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A mixture of bottleneck adapters, y = x + project-up(GELU(project-down(x))). With M = 1 it is the
 * plain Houlsby/Pfeiffer adapter, so every adapter method runs this one code path.
 *
 * <p>Training: each view of the batch takes the route the {@link Router} drew; only the chosen
 * experts receive gradient. Evaluation: the experts' weights are averaged (AdaMix §3.3), which is
 * exactly what {@code merge()} writes out as a single adapter.
 */
public final class AdapterMixture {
    private final String slot;
    private final int layer;
    private final Gelu act;
    private final Router router;
    private Router.Route[] routes;

    public AdapterMixture(String slot, int layer, Gelu act, Router router) {
        this.slot = slot;
        this.layer = layer;
        this.act = act;
        this.router = router;
    }

    /** y = x + up(act(down(x))); y must not alias x. {@code views} &gt; 1 splits the rows into equal views. */
    public void forward(INDArray x, INDArray y, ExpertWeights down, ExpertWeights up, boolean training, int views, Scratch s) {
        long n = x.size(0), r = down.weight().size(1);
        INDArray pre = s.get(slot + ".pre", n, r);
        INDArray g = s.get(slot + ".g", n, r);
        INDArray keep = s.get(slot + ".act", n, r);
        if (!training && router.evaluation() != Router.Evaluation.AVERAGE) {
            forwardRandomlyRouted(x, y, down, up, s);
            return;
        }
        if (!training) {
            views = 1;
            down = down.averaged(s, slot + ".avgDown");
            up = up.averaged(s, slot + ".avgUp");
        }
        routes = router.routes(layer, views, down.experts(), up.experts());
        long rows = n / views;
        for (int v = 0; v < views; v++) {
            Router.Route route = routes[v];
            INDArray xv = Ops.rows(x, v * rows, (v + 1) * rows);
            INDArray pv = Ops.rows(pre, v * rows, (v + 1) * rows);
            INDArray gv = Ops.rows(g, v * rows, (v + 1) * rows);
            INDArray yv = Ops.rows(y, v * rows, (v + 1) * rows);
            Ops.linear(xv, down.weight(route.down()), null, pv);
            act.forward(pv, down.bias(route.down()), gv, Ops.rows(keep, v * rows, (v + 1) * rows), training);
            Ops.linearPlusResidual(gv, up.weight(route.up()), up.bias(route.up()), xv, yv);
        }
    }

    /**
     * Evaluation with random routing (the paper's ablation): every expert's output is computed for all
     * rows and each row keeps its own expert's, g = Σ_d sel_d ⊙ act(x·D_dᵀ + b_d), y = x + Σ_u sel_u ⊙ (g·U_uᵀ + c_u).
     */
    private void forwardRandomlyRouted(INDArray x, INDArray y, ExpertWeights down, ExpertWeights up, Scratch s) {
        long n = x.size(0), r = down.weight().size(1), h = x.size(1);
        INDArray g = s.zeros(slot + ".g", n, r), pre = s.get(slot + ".pre", n, r), part = s.get(slot + ".part", n, r);
        INDArray sel = s.get(slot + ".sel", n, 1), partY = s.get(slot + ".partY", n, h);
        int[] d = router.evaluationExperts(layer, 0, (int) n, down.experts()), u = router.evaluationExperts(layer, 1, (int) n, up.experts());
        for (int e = 0; e < down.experts(); e++) {
            Ops.linear(x, down.weight(e), null, pre);
            act.forward(pre, down.bias(e), part, s.get(slot + ".act", n, r), false);
            g.addi(part.muliColumnVector(selection(sel, d, e)));
        }
        y.assign(x);
        for (int e = 0; e < up.experts(); e++) {
            Ops.linear(g, up.weight(e), up.bias(e), partY);
            y.addi(partY.muliColumnVector(selection(sel, u, e)));
        }
    }

    /** sel[i] = 1 where row i's expert is e, else 0. */
    static INDArray selection(INDArray sel, int[] experts, int e) {
        float[] v = new float[experts.length];
        for (int i = 0; i < v.length; i++) v[i] = experts[i] == e ? 1f : 0f;
        return sel.assign(Nd4j.createFromArray(v).reshape(sel.shape()).castTo(sel.dataType()));
    }

    /**
     * Gradients of the last training forward pass: dDown/dUp are overwritten (unchosen experts get
     * zero), dx = dy + the adapter's input gradient. dx may alias dy.
     */
    public void backward(INDArray x, INDArray dy, INDArray dx, ExpertWeights down, ExpertWeights up,
                         ExpertWeights dDown, ExpertWeights dUp, Scratch s) {
        long n = x.size(0), r = down.weight().size(1);
        INDArray pre = s.get(slot + ".pre", n, r);
        INDArray g = s.get(slot + ".g", n, r);
        INDArray dg = s.get(slot + ".dg", n, r);
        INDArray keep = s.get(slot + ".act", n, r);
        dDown.weight().assign(0);
        dDown.bias().assign(0);
        dUp.weight().assign(0);
        dUp.bias().assign(0);
        long rows = n / routes.length;
        for (int v = 0; v < routes.length; v++) {
            Router.Route route = routes[v];
            long a = v * rows, b = (v + 1) * rows;
            INDArray xv = Ops.rows(x, a, b), dyv = Ops.rows(dy, a, b), dxv = Ops.rows(dx, a, b);
            INDArray gv = Ops.rows(g, a, b), pv = Ops.rows(pre, a, b), dgv = Ops.rows(dg, a, b);
            Ops.gemm(dyv, gv, dUp.weight(route.up()), true, false, 1.0, 1.0);
            Ops.sumRows(dyv, dUp.bias(route.up()), true, s);
            Ops.gemm(dyv, up.weight(route.up()), dgv, false, false, 1.0, 0.0);
            act.backward(pv, Ops.rows(keep, a, b), dgv, dgv, s, slot + ".dact");
            Ops.gemm(dgv, xv, dDown.weight(route.down()), true, false, 1.0, 1.0);
            Ops.sumRows(dgv, dDown.bias(route.down()), true, s);
            if (dxv != dyv) dxv.assign(dyv);
            Ops.gemm(dgv, down.weight(route.down()), dxv, false, false, 1.0, 1.0);
        }
    }

    /** The routes of the last forward pass, one per view (tests). */
    public Router.Route[] lastRoutes() {
        return routes.clone();
    }
}
