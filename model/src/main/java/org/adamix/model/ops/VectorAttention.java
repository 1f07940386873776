package org.adamix.model.ops;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Scaled dot-product attention, one (batch element, head) at a time: the head's Q, K, V rows are
 * packed into a thread's float[] workspace, and scores, mask, softmax, dropout and the product with
 * V run there, a block of query rows at a time so that the scores stay in L2 at any length; the T×T
 * probabilities never go to memory (the backward pass recomputes them). ND4J's batched GEMM over
 * strided head views ran at 60-75 GFLOP/s here, with OpenBLAS waking its threads for every
 * 128×128×64 product; the register-blocked micro-kernel below runs a head on one thread at ~130
 * GFLOP/s per core, measured.
 *
 * <p>Bit-reproducible like {@link VectorKernels}: every product element is one chain of fused
 * multiply-adds over k in order, whichever block or thread computes it, and whatever the length of
 * the row blocks.
 *
 * <p>Workspace layout: T is padded to {@code tp} and the head size to {@code dp} (whole vectors and
 * whole row blocks); the head tiles' padding is zero from allocation and never written, so padded
 * columns of every product are zero too.
 */
final class VectorAttention {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    /** Rows per register block of the micro-kernel (4 rows × 4 vectors = 16 accumulators). */
    private static final int R = 4;

    private VectorAttention() {}

    /**
     * One call's shapes: q, k, v, ctx are [batch·t, hidden] with head h in columns [h·dh,
     * (h+1)·dh).
     */
    record Shape(int batch, int heads, int t, int dh) {
        int hidden() {
            return heads * dh;
        }

        int tp() {
            return roundUp(t);
        }

        int dp() {
            return roundUp(dh);
        }

        /** Offset of row r of head h of batch element b in a [batch·t, hidden] buffer. */
        int row(int b, int h, int r) {
            return (b * t + r) * hidden() + h * dh;
        }

        /**
         * The dropout mask's index of row r of the [t, t] scores of (b, h): [batch, heads, t, t].
         */
        int dropIndex(int b, int h, int r) {
            return ((b * heads + h) * t + r) * t;
        }

        /** Offset of row r's (max, 1/sum) of (b, h) in a [batch, heads, t, 2] buffer. */
        int statRow(int b, int h, int r) {
            return ((b * heads + h) * t + r) * 2;
        }
    }

    /** n rounded up to whole vectors and whole row blocks (both powers of two). */
    private static int roundUp(int n) {
        int m = Math.max(L, R);
        return (n + m - 1) / m * m;
    }

    /**
     * Floats of a block of score rows (128 KB): a thread's workspace stays bounded at any length
     * (whole T×T tiles were 1 MB each at 512 tokens, 16 MB at 2048) and a block's four tiles fit in
     * L2 (1 MB on the machines measured). At 512 tokens, blocks of 8 K floats were slower (more
     * kernel calls; the dK, dV sums stored and reloaded per block), 32 K to 256 K within noise.
     */
    private static final int BLOCK_FLOATS = 32 * 1024;

    /** Query rows per block for a padded length tp: whole 2R-row groups, all rows when they fit. */
    static int blockRows(int tp) {
        int rows = Math.max(2 * R, BLOCK_FLOATS / tp / (2 * R) * (2 * R));
        return Math.min(rows, tp);
    }

    /**
     * A thread's tiles: [tp, dp] for head rows, [dp, tp] for transposed heads, [br, tp] for a block
     * of score rows, the last two with rows {@code ld} = tp + L floats apart. Made for one (t, dh):
     * with another t the same tp would leave stale rows in the padding. Block tiles' rows past the
     * sequence's last row may hold an earlier block's values: no product reads them along k, and
     * what they give is never unpacked.
     *
     * <p>Why ld is not tp: at 512 tokens rows 2 KB apart fall in two groups of L1's 64 sets, so the
     * k rows of a product's B panel (32 × 4 vectors) evicted one another before the next row block
     * reused them; a vector more per row spreads them over all sets (attention 1.08-1.19× faster at
     * 512 tokens, measured in alternation with the unpadded layout).
     */
    private static final class Work {
        final int t, dh, tp, dp, br, ld;
        final float[] qa, ka, va, da, kt, vt, dkt, dvt, p, pu, m, g, out, biasRow, stat;

        /** Each block row's vector of partial sums (softmax's Σ e, the backward pass's Σ dP·P). */
        final float[] lanes;

        Work(Shape s) {
            t = s.t();
            dh = s.dh();
            tp = s.tp();
            dp = s.dp();
            br = blockRows(tp);
            ld = tp + L;
            qa = new float[tp * dp];
            ka = new float[tp * dp];
            va = new float[tp * dp];
            da = new float[tp * dp];
            kt = new float[dp * ld];
            vt = new float[dp * ld];
            dkt = new float[dp * ld];
            dvt = new float[dp * ld];
            p = new float[br * ld];
            pu = new float[br * ld];
            m = new float[br * ld];
            g = new float[br * ld];
            out = new float[tp * dp];
            biasRow = new float[tp];
            stat = new float[2 * br];
            lanes = new float[br * L];
        }
    }

    private static final ThreadLocal<Work> WORK = new ThreadLocal<>();

    private static Work work(Shape s) {
        Work w = WORK.get();
        if (w == null || w.t != s.t() || w.dh != s.dh()) {
            w = new Work(s);
            WORK.set(w);
        }
        return w;
    }

    // ---- the two passes, over (batch element, head) pairs [from, to) ----

    /**
     * ctx_h = dropout(softmax(scale·Q_h·K_hᵀ + bias_b))·V_h. bias [batch, t] or null; drop (the
     * dropout mask) or null; stats (each softmax row's max and 1/sum, from which the backward pass
     * recomputes the probabilities) [batch, heads, t, 2] or null. Query rows go {@link Work#br} at
     * a time: a row's softmax needs only its own scores, so a block is the same floats as the
     * whole.
     */
    static void forward(
            Shape s,
            ByteBuffer q,
            ByteBuffer k,
            ByteBuffer v,
            FloatBuffer bias,
            DropoutMask drop,
            FloatBuffer stats,
            ByteBuffer ctx,
            float scale,
            int from,
            int to) {
        Work w = work(s);
        int t = s.t(), tp = w.tp, dp = w.dp, dh = s.dh(), ld = w.ld;
        float[] biasRow = bias == null ? null : w.biasRow;
        for (int bh = from; bh < to; bh++) {
            int b = bh / s.heads(), h = bh % s.heads();
            packRows(q, s, b, h, w.qa, dp);
            packRows(k, s, b, h, w.ka, dp); // K's rows only on the way to Kᵀ
            transpose(w.ka, dp, w.kt, ld, t, dh);
            packRows(v, s, b, h, w.va, dp);
            if (bias != null) bias.get(b * t, w.biasRow, 0, t);
            for (int r0 = 0; r0 < t; r0 += w.br) {
                int rows = Math.min(w.br, t - r0), mr = Math.min(w.br, tp - r0);
                scores(w, r0, mr, dh, scale);
                call(softmaxRows, w, rows, biasRow, null, 0);
                call(dropoutRows, w, rows, null, drop, s.dropIndex(b, h, r0));
                if (stats != null) stats.put(s.statRow(b, h, r0), w.stat, 0, 2 * rows);
                float[] used = drop == null ? w.p : w.pu; // P, or P with dropout
                gemm(used, 0, ld, 1, w.va, dp, w.out, r0 * dp, dp, mr, dp, t, 1f);
            }
            unpack(w.out, dp, ctx, s.row(b, h, 0), s.hidden(), t, dh);
        }
    }

    /**
     * The gradients of {@link #forward} for its q, k, v given dctx: dV = Pᵤᵀ·dC, dPᵤ = dC·Vᵀ, dS =
     * P ⊙ (dP − rowsum(dP ⊙ P)) with dP = dPᵤ ⊙ drop, dQ = scale·dS·K, dK = scale·dSᵀ·Q.
     *
     * <p>P is recomputed from Q, K, bias and the forward pass's row stats, the same floats as the
     * forward pass's. Kept instead, P was [batch, heads, T, T] per layer and pass (200 MB at 512
     * tokens for MiniLM's batch of 16), and reading it back from memory took 15 % of the backward
     * pass; the recomputation costs one product of head size 32 and one exp per score.
     *
     * <p>dV and dK are formed transposed (dVᵀ = dCᵀ·Pᵤ, dKᵀ = scale·Qᵀ·dS), so the score blocks are
     * read by rows: read by columns (in whole T×T tiles, before the blocks), every step of the
     * product touched another cache line of a tile that at 512 tokens (1 MB) does not fit in L2,
     * and the backward pass grew 7.6× from 128 to 512 tokens for 5.7× the work. The products are
     * the same floats: each element is the same FMA chain over the same k, with the two factors of
     * each product swapped (exact either way).
     *
     * <p>Query rows go {@link Work#br} at a time, as in the forward pass. dVᵀ and dKᵀ sum over
     * query rows, so each block carries their FMA chains on from where the previous block stored
     * them, and the last block applies the scale: the same chain, the same floats.
     */
    static void backward(
            Shape s,
            ByteBuffer q,
            ByteBuffer k,
            ByteBuffer v,
            FloatBuffer bias,
            FloatBuffer stats,
            DropoutMask drop,
            ByteBuffer dctx,
            ByteBuffer dq,
            ByteBuffer dk,
            ByteBuffer dv,
            float scale,
            int from,
            int to) {
        Work w = work(s);
        int t = s.t(), tp = w.tp, dp = w.dp, dh = s.dh(), hid = s.hidden(), ld = w.ld;
        float[] biasRow = bias == null ? null : w.biasRow;
        for (int bh = from; bh < to; bh++) {
            int b = bh / s.heads(), h = bh % s.heads();
            packRows(q, s, b, h, w.qa, dp);
            packRows(k, s, b, h, w.ka, dp);
            transpose(w.ka, dp, w.kt, ld, t, dh);
            packRows(v, s, b, h, w.va, dp); // V's rows only on the way to Vᵀ
            transpose(w.va, dp, w.vt, ld, t, dh);
            packRows(dctx, s, b, h, w.da, dp);
            if (bias != null) bias.get(b * t, w.biasRow, 0, t);
            for (int r0 = 0; r0 < t; r0 += w.br) {
                int rows = Math.min(w.br, t - r0), mr = Math.min(w.br, tp - r0);
                boolean first = r0 == 0, last = r0 + rows == t;
                scores(w, r0, mr, dh, scale);
                stats.get(s.statRow(b, h, r0), w.stat, 0, 2 * rows);
                call(probabilityRows, w, rows, biasRow, null, 0);
                if (drop != null) { // Pᵤ, and the multipliers kept for dP
                    call(dropoutMaskRows, w, rows, null, drop, s.dropIndex(b, h, r0));
                }
                float[] used = drop == null ? w.p : w.pu;
                // dVᵀ += dCᵀ·Pᵤ over the block's rows
                gemmWide(w.da, r0 * dp, 1, dp, used, ld, w.dvt, ld, dp, tp, rows, 1f, !first);
                gemm(w.da, r0 * dp, dp, 1, w.vt, ld, w.g, 0, ld, mr, tp, dh, 1f); // dPᵤ = dC·Vᵀ
                call(gradientRows, w, rows, null, drop, 0); // dP = dPᵤ ⊙ drop, then dS
                gemm(w.g, 0, ld, 1, w.ka, dp, w.out, r0 * dp, dp, mr, dp, t, scale); // dQ
                // dKᵀ += Qᵀ·dS over the block's rows, times scale once the sum is whole
                float alpha = last ? scale : 1f;
                gemmWide(w.qa, r0 * dp, 1, dp, w.g, ld, w.dkt, ld, dp, tp, rows, alpha, !first);
            }
            // dVᵀ and dKᵀ back to rows through va and ka, free once the blocks are done
            transpose(w.dvt, ld, w.va, dp, dh, t);
            unpack(w.va, dp, dv, s.row(b, h, 0), hid, t, dh);
            unpack(w.out, dp, dq, s.row(b, h, 0), hid, t, dh);
            transpose(w.dkt, ld, w.ka, dp, dh, t);
            unpack(w.ka, dp, dk, s.row(b, h, 0), hid, t, dh);
        }
    }

    // ---- a block's passes over its score rows, each compiled on its own ----

    /**
     * Signature of the row passes: (work, the block's rows, the mask bias row or null, the dropout
     * mask or null, the mask's index of the block's first score).
     */
    private static final MethodType ROWS =
            MethodType.methodType(
                    void.class,
                    Work.class,
                    int.class,
                    float[].class,
                    DropoutMask.class,
                    long.class);

    /*
     * Each pass over a block's rows is called through a method handle, so that C2 compiles it on
     * its own, as RowKernels does for GELU. Inlined into forward and backward, the passes pushed
     * that compilation past C2's node-count cutoff (NodeCountInliningCutoff in -XX:+LogCompilation),
     * and the helpers it reached last (the dropout hash, the row's exp) stayed calls taking and
     * returning boxed vectors: 4.7 GB allocated per 8 calls at 512 tokens and attention 1.2-2×
     * slower, in 2-3 of 8 JVMs one day and in every JVM the next (measured). One pass per handle:
     * passes grouped three to a handle still crossed the cutoff. C2 does not inline through a
     * handle that is not a constant, so the fields are not final.
     */
    private static MethodHandle softmaxRows = rows("softmaxRows"),
            dropoutRows = rows("dropoutRows"),
            probabilityRows = rows("probabilityRows"),
            dropoutMaskRows = rows("dropoutMaskRows"),
            gradientRows = rows("gradientRows");

    private static MethodHandle rows(String name) {
        return RowKernels.handle(MethodHandles.lookup(), VectorAttention.class, name, ROWS);
    }

    private static void call(
            MethodHandle pass, Work w, int rows, float[] bias, DropoutMask drop, long index) {
        try {
            pass.invokeExact(w, rows, bias, drop, index);
        } catch (Throwable t) {
            throw RowKernels.unchecked(t);
        }
    }

    /** Forward: each row's {@link #exponentials}, then their {@link #inverseSums}. */
    private static void softmaxRows(Work w, int rows, float[] bias, DropoutMask drop, long index) {
        for (int r = 0; r < rows; r++)
            exponentials(w.p, r * w.ld, w.t, bias, w.stat, 2 * r, w.lanes, r * L);
        inverseSums(w.p, w.ld, rows, w.t, w.lanes, w.stat);
    }

    /**
     * Forward: each row times its 1/sum, in place in p, or with dropout into pu (row r's mask index
     * is index + r·t).
     */
    private static void dropoutRows(Work w, int rows, float[] bias, DropoutMask drop, long index) {
        for (int r = 0; r < rows; r++) {
            float inv = w.stat[2 * r + 1];
            int at = r * w.ld;
            if (drop == null) scale(w.p, at, w.t, inv);
            else drop.multiply(index + (long) r * w.t, w.p, at, inv, w.pu, at, w.t);
        }
    }

    /** Backward: each row's probabilities again ({@link #probabilityRow}). */
    private static void probabilityRows(
            Work w, int rows, float[] bias, DropoutMask drop, long index) {
        for (int r = 0; r < rows; r++) probabilityRow(w.p, r * w.ld, w.t, bias, w.stat, 2 * r);
    }

    /** Backward: Pᵤ into pu and the dropout multipliers into m, row by row. */
    private static void dropoutMaskRows(
            Work w, int rows, float[] bias, DropoutMask drop, long index) {
        for (int r = 0; r < rows; r++) {
            int at = r * w.ld;
            drop.multiplyAndFill(index + (long) r * w.t, w.p, at, w.pu, at, w.m, at, w.t);
        }
    }

    /** Backward: dP = dPᵤ ⊙ drop in g, then dS, in two passes like the forward's sums. */
    private static void gradientRows(Work w, int rows, float[] bias, DropoutMask drop, long index) {
        float[] mask = drop == null ? null : w.m;
        for (int r = 0; r < rows; r++) dropAndDot(w.p, w.g, mask, r * w.ld, w.tp, w.lanes, r * L);
        for (int r = 0; r < rows; r++)
            softmaxBackwardRow(w.p, w.g, r * w.ld, w.tp, VectorKernels.sum(w.lanes, r * L));
    }

    /** w.p's first mr rows = scale·Q·Kᵀ for the query rows from r0 (w.qa, w.kt packed). */
    private static void scores(Work w, int r0, int mr, int dh, float scale) {
        gemm(w.qa, r0 * w.dp, w.dp, 1, w.kt, w.ld, w.p, 0, w.ld, mr, w.tp, dh, scale);
    }

    // ---- the micro-kernel ----

    /**
     * c[c0 + i·ldc + j] = alpha·Σ_k a(i, k)·b[k·ldb + j] for i < m, j < n, where a(i, k) = a[a0 +
     * i·ars + k·acs] (so A may be read transposed). m is a multiple of R, n of L.
     */
    static void gemm(
            float[] a,
            int a0,
            int ars,
            int acs,
            float[] b,
            int ldb,
            float[] c,
            int c0,
            int ldc,
            int m,
            int n,
            int k,
            float alpha) {
        boolean headWide = n == 2 * L; // P·V, dS·K at head size 32
        blocks(a, a0, ars, acs, b, ldb, c, c0, ldc, m, n, k, alpha, false, headWide);
    }

    /**
     * {@link #gemm} into c from offset 0, for a short, wide C (head size × T). With add, each
     * element's chain of fused multiply-adds goes on from the value c holds (a sum over k split in
     * pieces, the same floats as one chain if only the last piece scales).
     */
    static void gemmWide(
            float[] a,
            int a0,
            int ars,
            int acs,
            float[] b,
            int ldb,
            float[] c,
            int ldc,
            int m,
            int n,
            int k,
            float alpha,
            boolean add) {
        blocks(a, a0, ars, acs, b, ldb, c, 0, ldc, m, n, k, alpha, add, n % (2 * L) == 0);
    }

    /**
     * The products in register blocks, 8 rows × 2 vectors ({@link #block2x8}) when asked and m
     * allows (n a multiple of 2L), the column blocks outermost: a block's columns of B (k × 4L
     * floats) stay in L1 while every row block uses them. With the rows outermost, Q·Kᵀ and dC·Vᵀ
     * read all of B (64 KB at 512 tokens, more than L1) from L2 for every 4 rows (attention 1.04×
     * faster at 512 tokens, measured in alternation).
     */
    private static void blocks(
            float[] a,
            int a0,
            int ars,
            int acs,
            float[] b,
            int ldb,
            float[] c,
            int c0,
            int ldc,
            int m,
            int n,
            int k,
            float alpha,
            boolean add,
            boolean twoByEight) {
        if (twoByEight && m % (2 * R) == 0) { // half the loads of B per FMA of 4-row blocks
            for (int j = 0; j < n; j += 2 * L)
                for (int i = 0; i < m; i += 2 * R) {
                    int ai = a0 + i * ars, ci = c0 + i * ldc + j;
                    block2x8(a, ai, ars, acs, b, ldb, j, c, ci, ldc, k, alpha, add);
                }
            return;
        }
        for (int j = 0, w; j < n; j += w) {
            w = blockWidth(n - j);
            for (int i = 0; i < m; i += R) {
                int ai = a0 + i * ars, ci = c0 + i * ldc + j;
                block(w, a, ai, ars, acs, b, ldb, j, c, ci, ldc, k, alpha, add);
            }
        }
    }

    /** Columns of the next register block: 4 vectors while they fit, then 2, then 1. */
    private static int blockWidth(int rest) {
        return rest >= 4 * L ? 4 * L : rest >= 2 * L ? 2 * L : L;
    }

    /** R rows × {@code width} columns of C from the block kernel of that width. */
    private static void block(
            int width,
            float[] a,
            int a0,
            int ars,
            int acs,
            float[] b,
            int ldb,
            int j,
            float[] c,
            int c0,
            int ldc,
            int k,
            float alpha,
            boolean add) {
        if (width == 4 * L) block4(a, a0, ars, acs, b, ldb, j, c, c0, ldc, k, alpha, add);
        else if (width == 2 * L) block2(a, a0, ars, acs, b, ldb, j, c, c0, ldc, k, alpha, add);
        else block1(a, a0, ars, acs, b, ldb, j, c, c0, ldc, k, alpha, add);
    }

    /** Zeros that {@link #start} loads. */
    private static final float[] ZERO = new float[L];

    /**
     * An accumulator's first value: c's (a chain going on) with add, else zero. Loaded either way:
     * vectors merged at a branch (a load or FloatVector.zero) can stay boxed in C2's code.
     */
    private static FloatVector start(boolean add, float[] c, int at) {
        return FloatVector.fromArray(S, add ? c : ZERO, add ? at : 0);
    }

    /** R rows × 4 vectors of C, accumulated in registers. */
    private static void block4(
            float[] a,
            int a0,
            int ars,
            int acs,
            float[] b,
            int ldb,
            int j,
            float[] c,
            int c0,
            int ldc,
            int k,
            float alpha,
            boolean add) {
        int d1 = c0 + ldc, d2 = d1 + ldc, d3 = d2 + ldc;
        FloatVector c00 = start(add, c, c0), c01 = start(add, c, c0 + L);
        FloatVector c02 = start(add, c, c0 + 2 * L), c03 = start(add, c, c0 + 3 * L);
        FloatVector c10 = start(add, c, d1), c11 = start(add, c, d1 + L);
        FloatVector c12 = start(add, c, d1 + 2 * L), c13 = start(add, c, d1 + 3 * L);
        FloatVector c20 = start(add, c, d2), c21 = start(add, c, d2 + L);
        FloatVector c22 = start(add, c, d2 + 2 * L), c23 = start(add, c, d2 + 3 * L);
        FloatVector c30 = start(add, c, d3), c31 = start(add, c, d3 + L);
        FloatVector c32 = start(add, c, d3 + 2 * L), c33 = start(add, c, d3 + 3 * L);
        int a1 = a0 + ars, a2 = a1 + ars, a3 = a2 + ars;
        for (int kk = 0; kk < k; kk++) {
            int bo = kk * ldb + j, ao = kk * acs;
            FloatVector b0 = FloatVector.fromArray(S, b, bo),
                    b1 = FloatVector.fromArray(S, b, bo + L);
            FloatVector b2 = FloatVector.fromArray(S, b, bo + 2 * L),
                    b3 = FloatVector.fromArray(S, b, bo + 3 * L);
            FloatVector x = FloatVector.broadcast(S, a[a0 + ao]);
            c00 = b0.fma(x, c00);
            c01 = b1.fma(x, c01);
            c02 = b2.fma(x, c02);
            c03 = b3.fma(x, c03);
            x = FloatVector.broadcast(S, a[a1 + ao]);
            c10 = b0.fma(x, c10);
            c11 = b1.fma(x, c11);
            c12 = b2.fma(x, c12);
            c13 = b3.fma(x, c13);
            x = FloatVector.broadcast(S, a[a2 + ao]);
            c20 = b0.fma(x, c20);
            c21 = b1.fma(x, c21);
            c22 = b2.fma(x, c22);
            c23 = b3.fma(x, c23);
            x = FloatVector.broadcast(S, a[a3 + ao]);
            c30 = b0.fma(x, c30);
            c31 = b1.fma(x, c31);
            c32 = b2.fma(x, c32);
            c33 = b3.fma(x, c33);
        }
        int o = c0;
        c00.mul(alpha).intoArray(c, o);
        c01.mul(alpha).intoArray(c, o + L);
        c02.mul(alpha).intoArray(c, o + 2 * L);
        c03.mul(alpha).intoArray(c, o + 3 * L);
        o += ldc;
        c10.mul(alpha).intoArray(c, o);
        c11.mul(alpha).intoArray(c, o + L);
        c12.mul(alpha).intoArray(c, o + 2 * L);
        c13.mul(alpha).intoArray(c, o + 3 * L);
        o += ldc;
        c20.mul(alpha).intoArray(c, o);
        c21.mul(alpha).intoArray(c, o + L);
        c22.mul(alpha).intoArray(c, o + 2 * L);
        c23.mul(alpha).intoArray(c, o + 3 * L);
        o += ldc;
        c30.mul(alpha).intoArray(c, o);
        c31.mul(alpha).intoArray(c, o + L);
        c32.mul(alpha).intoArray(c, o + 2 * L);
        c33.mul(alpha).intoArray(c, o + 3 * L);
    }

    /**
     * R rows × 2 vectors: a head of 32 floats is two 16-lane vectors, and four rows of one vector
     * keep only four fused multiply-adds in flight, half of what the FMA units need (measured:
     * {@link #block1} took most of the attention time at head size 32). The same chain per element.
     */
    private static void block2(
            float[] a,
            int a0,
            int ars,
            int acs,
            float[] b,
            int ldb,
            int j,
            float[] c,
            int c0,
            int ldc,
            int k,
            float alpha,
            boolean add) {
        int d1 = c0 + ldc, d2 = d1 + ldc, d3 = d2 + ldc;
        FloatVector c00 = start(add, c, c0), c01 = start(add, c, c0 + L);
        FloatVector c10 = start(add, c, d1), c11 = start(add, c, d1 + L);
        FloatVector c20 = start(add, c, d2), c21 = start(add, c, d2 + L);
        FloatVector c30 = start(add, c, d3), c31 = start(add, c, d3 + L);
        int a1 = a0 + ars, a2 = a1 + ars, a3 = a2 + ars;
        for (int kk = 0; kk < k; kk++) {
            int bo = kk * ldb + j, ao = kk * acs;
            FloatVector b0 = FloatVector.fromArray(S, b, bo),
                    b1 = FloatVector.fromArray(S, b, bo + L);
            FloatVector x = FloatVector.broadcast(S, a[a0 + ao]);
            c00 = b0.fma(x, c00);
            c01 = b1.fma(x, c01);
            x = FloatVector.broadcast(S, a[a1 + ao]);
            c10 = b0.fma(x, c10);
            c11 = b1.fma(x, c11);
            x = FloatVector.broadcast(S, a[a2 + ao]);
            c20 = b0.fma(x, c20);
            c21 = b1.fma(x, c21);
            x = FloatVector.broadcast(S, a[a3 + ao]);
            c30 = b0.fma(x, c30);
            c31 = b1.fma(x, c31);
        }
        c00.mul(alpha).intoArray(c, c0);
        c01.mul(alpha).intoArray(c, c0 + L);
        c10.mul(alpha).intoArray(c, c0 + ldc);
        c11.mul(alpha).intoArray(c, c0 + ldc + L);
        c20.mul(alpha).intoArray(c, c0 + 2 * ldc);
        c21.mul(alpha).intoArray(c, c0 + 2 * ldc + L);
        c30.mul(alpha).intoArray(c, c0 + 3 * ldc);
        c31.mul(alpha).intoArray(c, c0 + 3 * ldc + L);
    }

    /**
     * 2R rows × 2 vectors, for products a head wide (P·V and dS·K at head size 32): 16
     * accumulators, like {@link #block4}, and half of {@link #block2}'s loads of B per fused
     * multiply-add. At 512 tokens B (a head's [T, 32] rows, 64 KB) no longer fits in L1, and block2
     * took 6.7 % of the step's CPU time. The same chain per element.
     */
    private static void block2x8(
            float[] a,
            int a0,
            int ars,
            int acs,
            float[] b,
            int ldb,
            int j,
            float[] c,
            int c0,
            int ldc,
            int k,
            float alpha,
            boolean add) {
        FloatVector c00 = start(add, c, c0), c01 = start(add, c, c0 + L);
        FloatVector c10 = start(add, c, c0 + ldc), c11 = start(add, c, c0 + ldc + L);
        FloatVector c20 = start(add, c, c0 + 2 * ldc), c21 = start(add, c, c0 + 2 * ldc + L);
        FloatVector c30 = start(add, c, c0 + 3 * ldc), c31 = start(add, c, c0 + 3 * ldc + L);
        FloatVector c40 = start(add, c, c0 + 4 * ldc), c41 = start(add, c, c0 + 4 * ldc + L);
        FloatVector c50 = start(add, c, c0 + 5 * ldc), c51 = start(add, c, c0 + 5 * ldc + L);
        FloatVector c60 = start(add, c, c0 + 6 * ldc), c61 = start(add, c, c0 + 6 * ldc + L);
        FloatVector c70 = start(add, c, c0 + 7 * ldc), c71 = start(add, c, c0 + 7 * ldc + L);
        int a1 = a0 + ars, a2 = a1 + ars, a3 = a2 + ars, a4 = a3 + ars, a5 = a4 + ars;
        int a6 = a5 + ars, a7 = a6 + ars;
        for (int kk = 0; kk < k; kk++) {
            int bo = kk * ldb + j, ao = kk * acs;
            FloatVector b0 = FloatVector.fromArray(S, b, bo),
                    b1 = FloatVector.fromArray(S, b, bo + L);
            FloatVector x = FloatVector.broadcast(S, a[a0 + ao]);
            c00 = b0.fma(x, c00);
            c01 = b1.fma(x, c01);
            x = FloatVector.broadcast(S, a[a1 + ao]);
            c10 = b0.fma(x, c10);
            c11 = b1.fma(x, c11);
            x = FloatVector.broadcast(S, a[a2 + ao]);
            c20 = b0.fma(x, c20);
            c21 = b1.fma(x, c21);
            x = FloatVector.broadcast(S, a[a3 + ao]);
            c30 = b0.fma(x, c30);
            c31 = b1.fma(x, c31);
            x = FloatVector.broadcast(S, a[a4 + ao]);
            c40 = b0.fma(x, c40);
            c41 = b1.fma(x, c41);
            x = FloatVector.broadcast(S, a[a5 + ao]);
            c50 = b0.fma(x, c50);
            c51 = b1.fma(x, c51);
            x = FloatVector.broadcast(S, a[a6 + ao]);
            c60 = b0.fma(x, c60);
            c61 = b1.fma(x, c61);
            x = FloatVector.broadcast(S, a[a7 + ao]);
            c70 = b0.fma(x, c70);
            c71 = b1.fma(x, c71);
        }
        c00.mul(alpha).intoArray(c, c0);
        c01.mul(alpha).intoArray(c, c0 + L);
        c10.mul(alpha).intoArray(c, c0 + ldc);
        c11.mul(alpha).intoArray(c, c0 + ldc + L);
        c20.mul(alpha).intoArray(c, c0 + 2 * ldc);
        c21.mul(alpha).intoArray(c, c0 + 2 * ldc + L);
        c30.mul(alpha).intoArray(c, c0 + 3 * ldc);
        c31.mul(alpha).intoArray(c, c0 + 3 * ldc + L);
        c40.mul(alpha).intoArray(c, c0 + 4 * ldc);
        c41.mul(alpha).intoArray(c, c0 + 4 * ldc + L);
        c50.mul(alpha).intoArray(c, c0 + 5 * ldc);
        c51.mul(alpha).intoArray(c, c0 + 5 * ldc + L);
        c60.mul(alpha).intoArray(c, c0 + 6 * ldc);
        c61.mul(alpha).intoArray(c, c0 + 6 * ldc + L);
        c70.mul(alpha).intoArray(c, c0 + 7 * ldc);
        c71.mul(alpha).intoArray(c, c0 + 7 * ldc + L);
    }

    /** R rows × 1 vector: the column tail of {@link #block4}, the same chain per element. */
    private static void block1(
            float[] a,
            int a0,
            int ars,
            int acs,
            float[] b,
            int ldb,
            int j,
            float[] c,
            int c0,
            int ldc,
            int k,
            float alpha,
            boolean add) {
        FloatVector c0v = start(add, c, c0), c1v = start(add, c, c0 + ldc);
        FloatVector c2v = start(add, c, c0 + 2 * ldc), c3v = start(add, c, c0 + 3 * ldc);
        int a1 = a0 + ars, a2 = a1 + ars, a3 = a2 + ars;
        for (int kk = 0; kk < k; kk++) {
            int ao = kk * acs;
            FloatVector bv = FloatVector.fromArray(S, b, kk * ldb + j);
            c0v = bv.fma(FloatVector.broadcast(S, a[a0 + ao]), c0v);
            c1v = bv.fma(FloatVector.broadcast(S, a[a1 + ao]), c1v);
            c2v = bv.fma(FloatVector.broadcast(S, a[a2 + ao]), c2v);
            c3v = bv.fma(FloatVector.broadcast(S, a[a3 + ao]), c3v);
        }
        c0v.mul(alpha).intoArray(c, c0);
        c1v.mul(alpha).intoArray(c, c0 + ldc);
        c2v.mul(alpha).intoArray(c, c0 + 2 * ldc);
        c3v.mul(alpha).intoArray(c, c0 + 3 * ldc);
    }

    // ---- softmax on a tile row ----

    /**
     * In place over s[off, off + t): exp(s + bias − max), softmax(s + bias) before its scaling by
     * 1/sum (bias may be null); padding stays zero. The row's max goes to stat[at], its vector of
     * partial sums of e to lanes[lanesAt, lanesAt + L) for {@link #inverseSums}. The scaling is
     * left to the pass that reads the row next ({@link #scale}, or the dropout's product).
     */
    private static void exponentials(
            float[] s,
            int off,
            int t,
            float[] bias,
            float[] stat,
            int at,
            float[] lanes,
            int lanesAt) {
        int vLen = t - t % L;
        // exact in any order: Java's max is commutative and associative, NaN and ±0 included
        float max = bias == null ? rowMax(s, off, vLen) : rowMax(s, off, vLen, bias);
        for (int j = vLen; j < t; j++) {
            if (bias != null) s[off + j] += bias[j];
            max = Math.max(max, s[off + j]);
        }
        FloatVector acc = FloatVector.zero(S);
        for (int j = 0; j < vLen; j += L) {
            FloatVector e = VectorKernels.exp(FloatVector.fromArray(S, s, off + j).sub(max));
            e.intoArray(s, off + j);
            acc = acc.add(e);
        }
        acc.intoArray(lanes, lanesAt);
        for (int j = vLen; j < t; j++) s[off + j] = VectorKernels.exp(s[off + j] - max);
        stat[at] = max;
    }

    /**
     * max_j s[off + j] over j < n (a multiple of L). Four running maxima: one chain of Java's max
     * (several instructions each on x86) made the pass wait on its latency.
     */
    private static float rowMax(float[] s, int off, int n) {
        FloatVector m0 = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY),
                m1 = m0,
                m2 = m0,
                m3 = m0;
        int j = 0;
        for (; j + 4 * L <= n; j += 4 * L) {
            m0 = m0.max(FloatVector.fromArray(S, s, off + j));
            m1 = m1.max(FloatVector.fromArray(S, s, off + j + L));
            m2 = m2.max(FloatVector.fromArray(S, s, off + j + 2 * L));
            m3 = m3.max(FloatVector.fromArray(S, s, off + j + 3 * L));
        }
        for (; j < n; j += L) m0 = m0.max(FloatVector.fromArray(S, s, off + j));
        return m0.max(m1).max(m2.max(m3)).reduceLanes(VectorOperators.MAX);
    }

    /**
     * {@link #rowMax} of s + bias, with s + bias stored back into s. Written out, not through a
     * helper returning the vector: a vector returned by a call C2 does not inline is boxed.
     */
    private static float rowMax(float[] s, int off, int n, float[] bias) {
        FloatVector m0 = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY),
                m1 = m0,
                m2 = m0,
                m3 = m0;
        int j = 0;
        for (; j + 4 * L <= n; j += 4 * L) {
            int at = off + j;
            FloatVector x0 = FloatVector.fromArray(S, s, at).add(FloatVector.fromArray(S, bias, j));
            FloatVector x1 =
                    FloatVector.fromArray(S, s, at + L).add(FloatVector.fromArray(S, bias, j + L));
            FloatVector x2 =
                    FloatVector.fromArray(S, s, at + 2 * L)
                            .add(FloatVector.fromArray(S, bias, j + 2 * L));
            FloatVector x3 =
                    FloatVector.fromArray(S, s, at + 3 * L)
                            .add(FloatVector.fromArray(S, bias, j + 3 * L));
            x0.intoArray(s, at);
            x1.intoArray(s, at + L);
            x2.intoArray(s, at + 2 * L);
            x3.intoArray(s, at + 3 * L);
            m0 = m0.max(x0);
            m1 = m1.max(x1);
            m2 = m2.max(x2);
            m3 = m3.max(x3);
        }
        for (; j < n; j += L) {
            FloatVector x =
                    FloatVector.fromArray(S, s, off + j).add(FloatVector.fromArray(S, bias, j));
            x.intoArray(s, off + j);
            m0 = m0.max(x);
        }
        return m0.max(m1).max(m2.max(m3)).reduceLanes(VectorOperators.MAX);
    }

    /**
     * stat[2r + 1] = 1/Σ e of each of the block's rows r: the lanes' partial sums in lane order,
     * then the scalar tail's e in order. Once all the rows' exps are done: a row's serial sum no
     * longer stalls the start of the next row (it took 4 % of the attention time).
     */
    private static void inverseSums(
            float[] s, int ld, int rows, int t, float[] lanes, float[] stat) {
        int vLen = t - t % L;
        for (int r = 0; r < rows; r++) {
            float total = VectorKernels.sum(lanes, r * L);
            for (int j = vLen; j < t; j++) total += s[r * ld + j];
            stat[2 * r + 1] = 1f / total;
        }
    }

    /** s[off, off + t) *= inv in place. */
    private static void scale(float[] s, int off, int t, float inv) {
        int vLen = t - t % L;
        for (int j = 0; j < vLen; j += L)
            FloatVector.fromArray(S, s, off + j).mul(inv).intoArray(s, off + j);
        for (int j = vLen; j < t; j++) s[off + j] *= inv;
    }

    /**
     * In place over s[off, off + t): {@link #exponentials} and {@link #scale}'s output again from
     * the same scores and its row stats, exp(s + bias − max)·(1/sum), with its operations in its
     * order: the same floats.
     */
    private static void probabilityRow(
            float[] s, int off, int t, float[] bias, float[] stat, int at) {
        float max = stat[at], inv = stat[at + 1];
        int vLen = t - t % L;
        for (int j = 0; j < vLen; j += L) {
            FloatVector x = FloatVector.fromArray(S, s, off + j);
            if (bias != null) x = x.add(FloatVector.fromArray(S, bias, j));
            VectorKernels.exp(x.sub(max)).mul(inv).intoArray(s, off + j);
        }
        for (int j = vLen; j < t; j++) {
            float x = bias != null ? s[off + j] + bias[j] : s[off + j];
            s[off + j] = VectorKernels.exp(x - max) * inv;
        }
    }

    /**
     * Over a whole padded row (padding is zero in p, so stays zero): g = dP = g ⊙ mask (g alone
     * when mask is null), and the vector of partial sums of dP ⊙ p to lanes[lanesAt, lanesAt + L).
     */
    private static void dropAndDot(
            float[] p, float[] g, float[] mask, int off, int tp, float[] lanes, int lanesAt) {
        FloatVector acc = FloatVector.zero(S);
        for (int j = 0; j < tp; j += L) {
            FloatVector dp = FloatVector.fromArray(S, g, off + j);
            if (mask != null) {
                dp = dp.mul(FloatVector.fromArray(S, mask, off + j));
                dp.intoArray(g, off + j);
            }
            acc = acc.add(FloatVector.fromArray(S, p, off + j).mul(dp));
        }
        acc.intoArray(lanes, lanesAt);
    }

    /** g row = p ⊙ (dP − dot) in place over a whole padded row, dot = Σ_j dP_j·p_j. */
    private static void softmaxBackwardRow(float[] p, float[] g, int off, int tp, float dot) {
        for (int j = 0; j < tp; j += L) {
            FloatVector pv = FloatVector.fromArray(S, p, off + j);
            FloatVector.fromArray(S, g, off + j).sub(dot).mul(pv).intoArray(g, off + j);
        }
    }

    // ---- moving tiles between ND4J's buffers and the workspace ----

    /** tile[r·ld + c] = head h's row r of batch element b, for r < t, c < dh. */
    private static void packRows(ByteBuffer x, Shape s, int b, int h, float[] tile, int ld) {
        pack(x, s.row(b, h, 0), s.hidden(), s.t(), s.dh(), tile, ld);
    }

    /**
     * to[c·ldTo + r] = from[r·ldFrom + c] for r &lt; rows, c &lt; cols: a packed tile transposed,
     * four rows at a time, so that each column's four floats land in one cache line together: 2×
     * faster than row by row for a [512, 32] head either way (0.47 against 0.9 ns per float,
     * measured alone), where transposing took about a tenth of attention's time.
     */
    private static void transpose(
            float[] from, int ldFrom, float[] to, int ldTo, int rows, int cols) {
        int r = 0;
        for (; r + 4 <= rows; r += 4)
            for (int c = 0; c < cols; c++) {
                int i = r * ldFrom + c, o = c * ldTo + r;
                to[o] = from[i];
                to[o + 1] = from[i + ldFrom];
                to[o + 2] = from[i + 2 * ldFrom];
                to[o + 3] = from[i + 3 * ldFrom];
            }
        for (; r < rows; r++)
            for (int c = 0; c < cols; c++) to[c * ldTo + r] = from[r * ldFrom + c];
    }

    private static final ByteOrder O = ByteOrder.nativeOrder();

    /**
     * tile[r·ld + c] = x's float start + r·stride + c for r &lt; rows, c &lt; cols: whole vectors,
     * then floats. A FloatBuffer's bulk get of a 32-float head row went through a native copy (33
     * ns a row, 7 % of attention's time, measured).
     */
    private static void pack(
            ByteBuffer x, int start, int stride, int rows, int cols, float[] tile, int ld) {
        int vEnd = cols - cols % L;
        for (int r = 0; r < rows; r++) {
            int from = start + r * stride, to = r * ld, c = 0;
            for (; c < vEnd; c += L)
                FloatVector.fromByteBuffer(S, x, (from + c) * 4, O).intoArray(tile, to + c);
            for (; c < cols; c++) tile[to + c] = x.getFloat((from + c) * 4);
        }
    }

    /**
     * x's float start + r·stride + c = tile[r·ld + c] for r &lt; rows, c &lt; cols, as {@link
     * #pack}.
     */
    private static void unpack(
            float[] tile, int ld, ByteBuffer x, int start, int stride, int rows, int cols) {
        int vEnd = cols - cols % L;
        for (int r = 0; r < rows; r++) {
            int to = start + r * stride, from = r * ld, c = 0;
            for (; c < vEnd; c += L)
                FloatVector.fromArray(S, tile, from + c).intoByteBuffer(x, (to + c) * 4, O);
            for (; c < cols; c++) x.putFloat((to + c) * 4, tile[from + c]);
        }
    }
}
