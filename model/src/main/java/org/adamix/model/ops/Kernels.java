package org.adamix.model.ops;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.atomic.AtomicInteger;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses where the fused element-wise kernels and the fused attention run. With the JVM flag
 * {@code --add-modules=jdk.incubator.vector} (bin/adamix, the deploy scripts and the tests pass it)
 * and ND4J on the CPU, float32 arrays go to {@link VectorKernels} and {@link VectorAttention};
 * otherwise, and for float64 (the gradient checks), the callers use their ND4J formulation of the
 * same math. {@code -Dadamix.kernels=nd4j} forces ND4J.
 *
 * <p>Work is split by rows across {@link Threads#kernels()} (a Spark task sets it to its cores), so
 * one thread budget covers GEMMs and these kernels alike.
 */
public final class Kernels {
    private static final Logger LOG = LoggerFactory.getLogger(Kernels.class);
    private static final boolean AVAILABLE = available();

    /**
     * Below this many elements a kernel runs on the calling thread: a fork costs more than it
     * saves.
     */
    private static final long MIN_PARALLEL = 1 << 15;

    private static final int CHUNKS_PER_THREAD = 4;

    private static final ForkJoinPool POOL =
            new ForkJoinPool(Runtime.getRuntime().availableProcessors());

    private Kernels() {}

    private static boolean available() {
        if ("nd4j".equals(System.getProperty("adamix.kernels"))) return false;
        if (!Nd4j.getEnvironment()
                .isCPU()) { // GPU arrays live on the device: host-side writes would go unseen
            LOG.info("ND4J runs on a GPU: element-wise kernels and attention run as ND4J ops");
            return false;
        }
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            LOG.warn(
                    "JVM started without --add-modules=jdk.incubator.vector: "
                            + "element-wise kernels run as ND4J ops (training ~1.5-2x slower)");
            return false;
        }
        return true;
    }

    /** "vector-512" (SIMD width in bits) or "nd4j": for benchmark reports. */
    public static String describe() {
        return AVAILABLE ? "vector-" + VectorKernels.lanes() * 32 : "nd4j";
    }

    /** True if the vector kernels take these arrays: float32, c-ordered and contiguous. */
    public static boolean on(INDArray... arrays) {
        if (!AVAILABLE) return false;
        for (INDArray a : arrays) {
            if (a == null) continue;
            if (a.dataType() != DataType.FLOAT || !rowMajorContiguous(a)) return false;
        }
        return true;
    }

    /**
     * Elements laid out densely in row-major order, whatever ordering flag the array carries:
     * DL4J's parameter views of vectors say 'f', and a model must not take another path for them.
     */
    static boolean rowMajorContiguous(INDArray a) {
        long expected = 1;
        for (int d = a.rank() - 1; d >= 0; d--) {
            if (a.size(d) == 1) continue;
            if (a.stride(d) != expected) return false;
            expected *= a.size(d);
        }
        return true;
    }

    /** The array's elements as a native-order ByteBuffer starting at its first element. */
    static ByteBuffer buf(INDArray a) {
        if (a == null) return null;
        ByteBuffer all = a.data().asNio();
        return all.slice((int) (a.offset() * 4), (int) (a.length() * 4))
                .order(ByteOrder.nativeOrder());
    }

    interface Range {
        void run(int from, int to);
    }

    /**
     * Runs body over [0, n) in contiguous chunks, several per thread, taken in turn from a counter;
     * {@code cost} = elements touched. With one fixed half per thread the calling thread waited for
     * a worker that woke late (14 % of the attention's time, measured); now it takes the late
     * worker's chunks. Results do not depend on who runs a chunk: the bodies are row-wise.
     */
    static void parallel(int n, long cost, Range body) {
        int threads = Math.min(n, Threads.kernels());
        if (threads <= 1 || cost < MIN_PARALLEL) {
            body.run(0, n);
            return;
        }
        int chunks = Math.min(n, threads * CHUNKS_PER_THREAD);
        AtomicInteger next = new AtomicInteger();
        Runnable take =
                () -> {
                    for (int c; (c = next.getAndIncrement()) < chunks; )
                        body.run(
                                (int) ((long) n * c / chunks), (int) ((long) n * (c + 1) / chunks));
                };
        ForkJoinTask<?>[] tasks = new ForkJoinTask<?>[threads - 1];
        for (int k = 1; k < threads; k++) tasks[k - 1] = POOL.submit(take);
        take.run();
        for (ForkJoinTask<?> t : tasks) t.join();
    }

    // ---- the kernels, on INDArrays (callers check on(...) first) ----

    /**
     * y = gelu(x + bias). Training: x += bias (the backward pass reads it) and keep = the factor
     * saved for backward, unless keep is null. Inference: only y is written.
     */
    public static void geluForward(
            boolean exact, INDArray x, INDArray bias, INDArray y, INDArray keep, boolean training) {
        ByteBuffer bx = buf(x), bb = buf(bias), by = buf(y), bk = buf(keep);
        int w = (int) x.size(x.rank() - 1), rows = (int) (x.length() / w);
        if (!training) {
            if (exact)
                parallel(
                        rows,
                        x.length(),
                        (a, b) -> VectorKernels.geluExactInfer(bx, bb, by, w, a, b));
            else
                parallel(
                        rows,
                        x.length(),
                        (a, b) -> VectorKernels.geluTanhInfer(bx, bb, by, w, a, b));
        } else {
            if (exact)
                parallel(
                        rows,
                        x.length(),
                        (a, b) -> VectorKernels.geluExactTrain(bx, bb, by, bk, w, a, b));
            else
                parallel(
                        rows,
                        x.length(),
                        (a, b) -> VectorKernels.geluTanhTrain(bx, bb, by, bk, w, a, b));
        }
    }

    public static void geluBackward(
            boolean exact, INDArray x, INDArray bias, INDArray keep, INDArray dy, INDArray dx) {
        ByteBuffer bx = buf(x), bb = buf(bias), bk = buf(keep), bdy = buf(dy), bdx = buf(dx);
        int w = (int) x.size(x.rank() - 1), rows = (int) (x.length() / w);
        parallel(
                rows,
                x.length(),
                (a, b) -> VectorKernels.geluBackward(exact, bx, bb, bk, bdy, bdx, w, a, b));
    }

    /** x *= the mask's multipliers, element by element, in place (x row-major contiguous). */
    public static void dropout(DropoutMask mask, INDArray x) {
        ByteBuffer bx = buf(x);
        int w = (int) x.size(x.rank() - 1), rows = (int) (x.length() / w);
        parallel(rows, x.length(), (a, b) -> mask.apply(bx, a * w, b * w));
    }

    /**
     * c = alpha·op(a)·op(b) + beta·c on {@link VectorThinGemm} when the product has a thin
     * dimension (an adapter's rank); false, with nothing done, when it has none or the arrays are
     * not plain matrices.
     */
    public static boolean thinGemm(
            INDArray a, INDArray b, INDArray c, boolean ta, boolean tb, double alpha, double beta) {
        if (a.rank() != 2 || b.rank() != 2 || c.rank() != 2 || !on(a, b, c)) return false;
        int m = (int) c.size(0), n = (int) c.size(1), k = (int) a.size(ta ? 0 : 1);
        char shape = VectorThinGemm.shape(m, n, k, tb);
        if (shape == 0) return false;
        VectorThinGemm.gemm(
                shape,
                new VectorThinGemm.Mat(buf(a), (int) a.size(1), ta),
                new VectorThinGemm.Mat(buf(b), (int) b.size(1), tb),
                buf(c),
                m,
                n,
                k,
                (float) alpha,
                (float) beta);
        return true;
    }

    /** out[i, :] = x[i, :] + row; out may alias x. */
    public static void addRow(INDArray x, INDArray row, INDArray out) {
        int w = (int) row.length(), rows = (int) (x.length() / w);
        ByteBuffer bx = buf(x), br = buf(row), bo = buf(out);
        parallel(rows, x.length(), (a, b) -> VectorKernels.addRow(bx, br, bo, w, a, b));
    }

    /** out[i, :] = row. */
    public static void fillRows(INDArray row, INDArray out) {
        int w = (int) row.length(), rows = (int) (out.length() / w);
        ByteBuffer br = buf(row), bo = buf(out);
        parallel(rows, out.length(), (a, b) -> VectorKernels.fillRows(br, bo, w, a, b));
    }

    /** LayerNorm of a (+ b when not null) over rows of width h; keeps x̂ and rstd. */
    public static void layerNormForward(
            INDArray a,
            INDArray b,
            INDArray gamma,
            INDArray beta,
            INDArray y,
            INDArray xhat,
            INDArray rstd,
            double eps) {
        int h = (int) gamma.length(), rows = (int) (a.length() / h);
        ByteBuffer ba = buf(a),
                bb = buf(b),
                bg = buf(gamma),
                bbeta = buf(beta),
                by = buf(y),
                bx = buf(xhat),
                br = buf(rstd);
        float e = (float) eps;
        parallel(
                rows,
                a.length(),
                (f, t) ->
                        VectorKernels.layerNormForward(ba, bb, bg, bbeta, by, bx, br, h, e, f, t));
    }

    /**
     * y = LayerNorm(word[ids] + position[offset + j] + type[typeIds]) for a [B, 2, T] token input;
     * keeps x̂ and rstd like {@link #layerNormForward}.
     */
    public static void embeddingsForward(
            INDArray tokens,
            INDArray word,
            INDArray position,
            int offset,
            INDArray type,
            INDArray gamma,
            INDArray beta,
            INDArray y,
            INDArray xhat,
            INDArray rstd,
            double eps) {
        int t = (int) tokens.size(2), rows = (int) tokens.size(0) * t, h = (int) gamma.length();
        int vocab = (int) word.size(0), types = (int) type.size(0);
        ByteBuffer bt = buf(tokens),
                bw = buf(word),
                bp = buf(position),
                bty = buf(type),
                bg = buf(gamma),
                bb = buf(beta),
                by = buf(y),
                bx = buf(xhat),
                br = buf(rstd);
        float e = (float) eps;
        parallel(
                rows,
                (long) rows * h,
                (f, to) ->
                        VectorKernels.embeddingsForward(
                                bt, t, bw, vocab, bp, offset, bty, types, bg, bb, by, bx, br, h, e,
                                f, to));
    }

    public static void layerNormBackward(
            INDArray dy, INDArray xhat, INDArray rstd, INDArray gamma, INDArray dx) {
        int h = (int) gamma.length(), rows = (int) (dy.length() / h);
        ByteBuffer bdy = buf(dy), bx = buf(xhat), br = buf(rstd), bg = buf(gamma), bdx = buf(dx);
        parallel(
                rows,
                dy.length(),
                (f, t) -> VectorKernels.layerNormBackward(bdy, bx, br, bg, bdx, h, f, t));
    }

    /**
     * ctx = dropout(softmax(scale·Q·Kᵀ + bias))·V per head, with q, k, v, ctx [B·T, H] (head h in
     * columns [h·d, (h+1)·d)); bias [B, T] or null; drop (dropout on the probabilities, indexed as
     * [B, heads, T, T]) or null; stats (each softmax row's max and 1/sum, kept for {@link
     * #attentionBackward}) [B, heads, T, 2] or null.
     */
    public static void attention(
            INDArray q,
            INDArray k,
            INDArray v,
            INDArray bias,
            DropoutMask drop,
            INDArray stats,
            INDArray ctx,
            long batch,
            long heads,
            double scale) {
        VectorAttention.Shape s = attentionShape(q, batch, heads);
        ByteBuffer fq = buf(q), fk = buf(k), fv = buf(v), fc = buf(ctx);
        FloatBuffer fb = floats(bias), fs = floats(stats);
        float sc = (float) scale;
        parallel(
                s.batch() * s.heads(),
                (long) s.batch() * s.heads() * s.t() * s.t(),
                (f, to) -> VectorAttention.forward(s, fq, fk, fv, fb, drop, fs, fc, sc, f, to));
    }

    /**
     * dq, dk, dv of {@link #attention} given dctx, from its q, k, v, bias, stats and drop (the
     * probabilities are recomputed, the same floats).
     */
    public static void attentionBackward(
            INDArray q,
            INDArray k,
            INDArray v,
            INDArray bias,
            INDArray stats,
            DropoutMask drop,
            INDArray dctx,
            INDArray dq,
            INDArray dk,
            INDArray dv,
            long batch,
            long heads,
            double scale) {
        VectorAttention.Shape s = attentionShape(q, batch, heads);
        ByteBuffer fq = buf(q), fk = buf(k), fv = buf(v);
        ByteBuffer fdc = buf(dctx), fdq = buf(dq), fdk = buf(dk), fdv = buf(dv);
        FloatBuffer fb = floats(bias), fs = floats(stats);
        float sc = (float) scale;
        parallel(
                s.batch() * s.heads(),
                (long) s.batch() * s.heads() * s.t() * s.t(),
                (f, to) ->
                        VectorAttention.backward(
                                s, fq, fk, fv, fb, fs, drop, fdc, fdq, fdk, fdv, sc, f, to));
    }

    private static VectorAttention.Shape attentionShape(INDArray q, long batch, long heads) {
        long t = q.size(0) / batch, dh = q.size(1) / heads;
        return new VectorAttention.Shape((int) batch, (int) heads, (int) t, (int) dh);
    }

    private static FloatBuffer floats(INDArray a) {
        return a == null ? null : buf(a).asFloatBuffer();
    }
}
