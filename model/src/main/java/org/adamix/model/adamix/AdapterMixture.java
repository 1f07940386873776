package org.adamix.model.adamix;

import java.util.List;
import org.adamix.model.AdaptationConfig;
import org.adamix.model.Gelu;
import org.adamix.model.layers.ParamSpec;
import org.adamix.model.ops.Buffer;
import org.adamix.model.ops.Buffers;
import org.adamix.model.ops.Ops;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A mixture of bottleneck adapters, y = x + project-up(GELU(project-down(x))). With M = 1 it is the
 * plain Houlsby/Pfeiffer adapter, so every adapter method runs this one code path.
 *
 * <p>Training: each view of the batch takes the route the {@link Router} drew; only the chosen
 * experts receive gradient. Evaluation: the experts' weights are averaged (AdaMix §3.3), which is
 * exactly what {@link #writeMerged} writes out as a single adapter.
 */
public final class AdapterMixture implements AdaptationModule {
    private final String name;
    private final int site;
    private final long dim;
    private final AdaptationConfig adaptation;
    private final Gelu act;
    private final Router router;
    private final TensorLookup tensors;

    /**
     * Saved by the forward pass for the backward pass: the routes, down(x), act(down(x)) and act's
     * keep.
     */
    private Router.Route[] routes;

    private final Buffer pre, hidden, keep;

    /** Temporaries. */
    private final Buffer dHidden,
            actD,
            actT,
            ones,
            avgDownW,
            avgDownB,
            avgUpW,
            avgUpB,
            part,
            selected,
            partY;

    /**
     * The mixture {@code name} on a width-{@code dim} stream; {@code site} keys its route draws
     * (see {@link Router#site}); its tensors are found through {@code tensors}.
     */
    public AdapterMixture(
            String name,
            int site,
            long dim,
            AdaptationConfig adaptation,
            Gelu act,
            Router router,
            TensorLookup tensors,
            Buffers buffers) {
        this.name = name;
        this.site = site;
        this.dim = dim;
        this.adaptation = adaptation;
        this.act = act;
        this.router = router;
        this.tensors = tensors;
        pre = buffers.next();
        hidden = buffers.next();
        keep = buffers.next();
        // temporaries of one call
        dHidden = buffers.scratch();
        actD = buffers.scratch();
        actT = buffers.scratch();
        ones = buffers.scratch();
        avgDownW = buffers.scratch();
        avgDownB = buffers.scratch();
        avgUpW = buffers.scratch();
        avgUpB = buffers.scratch();
        part = buffers.scratch();
        selected = buffers.scratch();
        partY = buffers.scratch();
    }

    /**
     * Stacked experts: down [Md, r, d] (random) + bias, up [Mu, d, r] (zero, so training starts at
     * the identity) + bias.
     */
    public static List<ParamSpec> params(String name, long dim, AdaptationConfig a) {
        long r = a.rank();
        return List.of(
                ParamSpec.added(
                        name + ".down.weight",
                        ParamSpec.Init.experts(a.independentExpertInit()),
                        a.downExperts(),
                        r,
                        dim),
                ParamSpec.added(name + ".down.bias", ParamSpec.Init.ZERO, a.downExperts(), r),
                ParamSpec.added(name + ".up.weight", ParamSpec.Init.ZERO, a.upExperts(), dim, r),
                ParamSpec.added(name + ".up.bias", ParamSpec.Init.ZERO, a.upExperts(), dim));
    }

    @Override
    public List<ParamSpec> params() {
        return params(name, dim, adaptation);
    }

    private ExpertWeights down(TensorLookup t) {
        return new ExpertWeights(t.value(name + ".down.weight"), t.value(name + ".down.bias"));
    }

    private ExpertWeights up(TensorLookup t) {
        return new ExpertWeights(t.value(name + ".up.weight"), t.value(name + ".up.bias"));
    }

    @Override
    public void writeMerged(TensorLookup target) {
        ExpertWeights down = down(tensors), up = up(tensors);
        ExpertWeights mergedDown = down(target), mergedUp = up(target);
        down.averageInto(mergedDown.weight(), mergedDown.bias());
        up.averageInto(mergedUp.weight(), mergedUp.bias());
    }

    /**
     * y = x + up(act(down(x))); y must not alias x. {@code views} &gt; 1 splits the rows into equal
     * views.
     */
    public void forward(INDArray x, INDArray y, boolean training, int views) {
        ExpertWeights down = down(tensors), up = up(tensors);
        long n = x.size(0), r = down.weight().size(1);
        INDArray pre = this.pre.get(n, r), g = hidden.get(n, r), keep = this.keep.get(n, r);
        if (!training && router.evaluation() != Router.Evaluation.AVERAGE) {
            forwardRandomlyRouted(x, y, down, up);
            return;
        }
        if (!training) {
            views = 1;
            down = down.averaged(avgDownW, avgDownB);
            up = up.averaged(avgUpW, avgUpB);
        }
        routes = router.routes(site, views, down.experts(), up.experts());
        long rows = n / views;
        for (int v = 0; v < views; v++) {
            Router.Route route = routes[v];
            long lo = v * rows, hi = (v + 1) * rows;
            INDArray xv = Ops.rows(x, lo, hi), pv = Ops.rows(pre, lo, hi), gv = Ops.rows(g, lo, hi);
            Ops.linear(xv, down.weight(route.down()), null, pv);
            act.forward(pv, down.bias(route.down()), gv, Ops.rows(keep, lo, hi), training);
            Ops.linearPlusResidual(
                    gv, up.weight(route.up()), up.bias(route.up()), xv, Ops.rows(y, lo, hi));
        }
    }

    /**
     * Evaluation with random routing (the paper's ablation): every expert's output is computed for
     * all rows and each row keeps its own expert's, g = Σ_d sel_d ⊙ act(x·D_dᵀ + b_d), y = x + Σ_u
     * sel_u ⊙ (g·U_uᵀ + c_u).
     */
    private void forwardRandomlyRouted(
            INDArray x, INDArray y, ExpertWeights down, ExpertWeights up) {
        long n = x.size(0), r = down.weight().size(1), h = x.size(1);
        INDArray g = hidden.zeros(n, r), pre = this.pre.get(n, r), part = this.part.get(n, r);
        INDArray sel = selected.get(n, 1), partY = this.partY.get(n, h);
        int[] d = router.evaluationExperts(site, 0, (int) n, down.experts());
        int[] u = router.evaluationExperts(site, 1, (int) n, up.experts());
        for (int e = 0; e < down.experts(); e++) {
            Ops.linear(x, down.weight(e), null, pre);
            act.forward(pre, down.bias(e), part, keep.get(n, r), false);
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
     * Gradients of the last training forward pass on input x: the experts' gradients are
     * overwritten (unchosen experts get zero), dx = dy + the adapter's input gradient. dx may alias
     * dy.
     */
    public void backward(INDArray x, INDArray dy, INDArray dx) {
        ExpertWeights down = down(tensors), up = up(tensors);
        ExpertWeights dDown =
                new ExpertWeights(
                        tensors.gradient(name + ".down.weight"),
                        tensors.gradient(name + ".down.bias"));
        ExpertWeights dUp =
                new ExpertWeights(
                        tensors.gradient(name + ".up.weight"), tensors.gradient(name + ".up.bias"));
        long n = x.size(0), r = down.weight().size(1);
        INDArray pre = this.pre.get(n, r),
                g = hidden.get(n, r),
                dg = dHidden.get(n, r),
                keep = this.keep.get(n, r);
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
            Ops.sumRows(dyv, dUp.bias(route.up()), true, ones);
            Ops.gemm(dyv, up.weight(route.up()), dgv, false, false, 1.0, 0.0);
            act.backward(pv, Ops.rows(keep, a, b), dgv, dgv, actD, actT);
            Ops.gemm(dgv, xv, dDown.weight(route.down()), true, false, 1.0, 1.0);
            Ops.sumRows(dgv, dDown.bias(route.down()), true, ones);
            if (dxv != dyv) dxv.assign(dyv);
            Ops.gemm(dgv, down.weight(route.down()), dxv, false, false, 1.0, 1.0);
        }
    }
}
