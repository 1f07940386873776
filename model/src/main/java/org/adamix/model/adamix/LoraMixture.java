package org.adamix.model.adamix;

import java.util.List;
import org.adamix.model.AdaptationConfig;
import org.adamix.model.layers.ParamSpec;
import org.adamix.model.ops.Buffer;
import org.adamix.model.ops.Buffers;
import org.adamix.model.ops.Dropout;
import org.adamix.model.ops.Ops;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A mixture of LoRA pairs on one projection: y += (alpha/r)·(dropout(x)·Aᵀ)·Bᵀ, A [r, in] ("down"),
 * B [out, r] ("up", zero-initialised). With M = 1 it is plain LoRA. Routing and averaging follow
 * {@link AdapterMixture}; the attention layer gives Q and V the same route. LoRA's dropout (the
 * authors use 0.1 for GPT-2) acts on the low-rank branch's input only. Merged, the pair folds into
 * the projection: W + {@link #deltaWeight()}.
 */
public final class LoraMixture implements AdaptationModule {
    private final String name;
    private final int site;
    private final long in, out;
    private final AdaptationConfig adaptation;
    private final double scale;
    private final Router router;
    private final TensorLookup tensors;
    private final Dropout dropout;

    /**
     * Saved by the forward pass for the backward pass: the routes, whether x was dropped (the
     * backward pass drops it again with the same mask) and x·Aᵀ.
     */
    private Router.Route[] routes;

    private boolean dropped;
    private final Buffer xa;

    /** Temporaries. */
    private final Buffer droppedX, dxa, dDroppedX, avgAW, avgBW, part, selected, partY;

    /** The mixture {@code name} on an in → out projection; {@code site} keys its route draws. */
    public LoraMixture(
            String name,
            int site,
            long in,
            long out,
            AdaptationConfig adaptation,
            Router router,
            TensorLookup tensors,
            Buffers buffers) {
        this.name = name;
        this.site = site;
        this.in = in;
        this.out = out;
        this.adaptation = adaptation;
        this.scale = adaptation.loraScale();
        this.router = router;
        this.tensors = tensors;
        this.dropout = new Dropout(adaptation.loraDropout(), router, site, name, buffers);
        xa = buffers.next();
        droppedX = buffers.scratch();
        // temporaries of one call
        dxa = buffers.scratch();
        dDroppedX = buffers.scratch();
        avgAW = buffers.scratch();
        avgBW = buffers.scratch();
        part = buffers.scratch();
        selected = buffers.scratch();
        partY = buffers.scratch();
    }

    /**
     * Stacked experts: A [Ma, r, in] (random), B [Mb, out, r] (zero, so training starts at the
     * backbone).
     */
    public static List<ParamSpec> params(String name, long in, long out, AdaptationConfig a) {
        long r = a.rank();
        return List.of(
                ParamSpec.added(
                        name + ".A",
                        ParamSpec.Init.experts(a.independentExpertInit()),
                        a.downExperts(),
                        r,
                        in),
                ParamSpec.added(name + ".B", ParamSpec.Init.ZERO, a.upExperts(), out, r));
    }

    @Override
    public List<ParamSpec> params() {
        return params(name, in, out, adaptation);
    }

    private ExpertWeights a(TensorLookup t) {
        return new ExpertWeights(t.value(name + ".A"), null);
    }

    private ExpertWeights b(TensorLookup t) {
        return new ExpertWeights(t.value(name + ".B"), null);
    }

    @Override
    public void writeMerged(TensorLookup target) {
        a(tensors).averageInto(target.value(name + ".A"), null);
        b(tensors).averageInto(target.value(name + ".B"), null);
    }

    /**
     * ΔW = (alpha/r)·mean(B)·mean(A) [out, in], in double: what merging adds into the projection's
     * weight.
     */
    public INDArray deltaWeight() {
        INDArray a = tensors.value(name + ".A").castTo(DataType.DOUBLE).mean(0);
        INDArray b = tensors.value(name + ".B").castTo(DataType.DOUBLE).mean(0);
        return b.mmul(a).muli(scale);
    }

    /** Adds the low-rank update of every view into y (which already holds x·Wᵀ + b). */
    public void forward(INDArray x, INDArray y, boolean training, int views) {
        ExpertWeights a = a(tensors), b = b(tensors);
        long n = x.size(0), r = a.weight().size(1);
        INDArray xa = this.xa.get(n, r);
        dropped = training && adaptation.loraDropout() > 0;
        if (dropped) {
            INDArray xd = droppedX.get(x.shape());
            xd.assign(x);
            dropout.forward(xd, true);
            x = xd;
        }
        if (!training && router.evaluation() != Router.Evaluation.AVERAGE) {
            forwardRandomlyRouted(x, y, a, b);
            return;
        }
        if (!training) {
            views = 1;
            a = a.averaged(avgAW, null);
            b = b.averaged(avgBW, null);
        }
        routes = router.routes(site, views, a.experts(), b.experts());
        long rows = n / views;
        for (int v = 0; v < views; v++) {
            Router.Route route = routes[v];
            long lo = v * rows, hi = (v + 1) * rows;
            INDArray xv = Ops.rows(x, lo, hi), xav = Ops.rows(xa, lo, hi);
            Ops.gemm(xv, a.weight(route.down()), xav, false, true, 1.0, 0.0);
            Ops.gemm(xav, b.weight(route.up()), Ops.rows(y, lo, hi), false, true, scale, 1.0);
        }
    }

    /**
     * Evaluation with random routing: y += scale·Σ_u sel_u ⊙ ((Σ_d sel_d ⊙ x·A_dᵀ)·B_uᵀ), each row
     * its own experts.
     */
    private void forwardRandomlyRouted(INDArray x, INDArray y, ExpertWeights a, ExpertWeights b) {
        long n = x.size(0), r = a.weight().size(1), o = y.size(1);
        INDArray xa = this.xa.zeros(n, r), part = this.part.get(n, r);
        INDArray sel = selected.get(n, 1), partY = this.partY.get(n, o);
        int[] d = router.evaluationExperts(site, 0, (int) n, a.experts());
        int[] u = router.evaluationExperts(site, 1, (int) n, b.experts());
        for (int e = 0; e < a.experts(); e++) {
            Ops.gemm(x, a.weight(e), part, false, true, 1.0, 0.0);
            xa.addi(part.muliColumnVector(AdapterMixture.selection(sel, d, e)));
        }
        for (int e = 0; e < b.experts(); e++) {
            Ops.gemm(xa, b.weight(e), partY, false, true, scale, 0.0);
            y.addi(partY.muliColumnVector(AdapterMixture.selection(sel, u, e)));
        }
    }

    /**
     * dA, dB overwritten for the last forward's routes; dx (if not null) accumulates the input
     * gradient.
     */
    public void backward(INDArray x, INDArray dy, INDArray dx) {
        ExpertWeights a = a(tensors), b = b(tensors);
        INDArray dA = tensors.gradient(name + ".A"), dB = tensors.gradient(name + ".B");
        ExpertWeights dAs = new ExpertWeights(dA, null), dBs = new ExpertWeights(dB, null);
        long n = x.size(0), r = a.weight().size(1);
        INDArray xa = this.xa.get(n, r), dxa = this.dxa.get(n, r);
        INDArray dxLora = null;
        if (dropped) {
            INDArray xd = droppedX.get(x.shape());
            xd.assign(x);
            dropout.backward(xd);
            x = xd;
            if (dx != null) { // the branch's input gradient goes through the mask before joining dx
                dxLora = dx;
                dx = dDroppedX.zeros(x.shape());
            }
        }
        dA.assign(0);
        dB.assign(0);
        long rows = n / routes.length;
        for (int v = 0; v < routes.length; v++) {
            Router.Route route = routes[v];
            long lo = v * rows, hi = (v + 1) * rows;
            INDArray xv = Ops.rows(x, lo, hi), dyv = Ops.rows(dy, lo, hi);
            INDArray xav = Ops.rows(xa, lo, hi), dxav = Ops.rows(dxa, lo, hi);
            Ops.gemm(dyv, xav, dBs.weight(route.up()), true, false, scale, 1.0);
            Ops.gemm(dyv, b.weight(route.up()), dxav, false, false, scale, 0.0);
            Ops.gemm(dxav, xv, dAs.weight(route.down()), true, false, 1.0, 1.0);
            if (dx != null)
                Ops.gemm(
                        dxav, a.weight(route.down()), Ops.rows(dx, lo, hi), false, false, 1.0, 1.0);
        }
        if (dxLora != null) {
            dropout.backward(dx);
            dxLora.addi(dx);
        }
    }
}
