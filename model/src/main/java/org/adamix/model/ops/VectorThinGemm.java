package org.adamix.model.ops;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Matrix products with one thin dimension — an adapter's or LoRA's rank r, a head's few classes: c
 * = alpha·op(a)·op(b) + beta·c with op(a) [m, k], op(b) [k, n] and m, n or k at most {@link #THIN}.
 * OpenBLAS splits such a product across its threads at a cost larger than the work (an adapter's
 * 4096 × 384 × 16 product took twice as long on two threads as on one, measured) and pays the
 * thread hand-off once per call; here the thin side is packed into a small heap array and the
 * product runs as register-blocked fused multiply-adds, split by the caller's thread budget.
 *
 * <p>Three shapes, by which dimension is thin:
 *
 * <ul>
 *   <li>{@code n} (a narrow output: x·Dᵀ → [rows, r], and the weight gradient dyᵀ·g → [d, r]):
 *       op(b) is packed as [k, n rounded up to a vector]; 8 rows of c × 1 vector per block;
 *   <li>{@code k} (a thin inner dimension: g·Uᵀ → [rows, d]): op(b) is packed as [k, n]; 2 rows × 4
 *       vectors per block;
 *   <li>{@code m} (few output rows: dgᵀ·x → [r, d], a bias gradient onesᵀ·dy): op(a) is packed
 *       k-major; 8 rows × 2 vectors per block, b read in place (it must not be transposed).
 * </ul>
 *
 * <p>Every element of c is one chain of fused multiply-adds in k order, then alpha·sum + beta·c,
 * whichever block, tail or thread computes it: the bits do not depend on the thread split.
 */
final class VectorThinGemm {
    /** Largest thin dimension taken: ranks 1-32 and small class counts. */
    static final int THIN = 32;

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ByteOrder O = ByteOrder.nativeOrder();
    private static final int ROWS_A = 8, ROWS_B = 2, ROWS_C = 8;

    private static final ThreadLocal<float[]> PACK = ThreadLocal.withInitial(() -> new float[0]);

    private VectorThinGemm() {}

    /** A row-major matrix in a buffer: element (i, j) at float index i·ld + j, or j·ld + i if t. */
    record Mat(ByteBuffer b, int ld, boolean t) {
        float at(int i, int j) {
            return b.getFloat((t ? j * ld + i : i * ld + j) * 4);
        }
    }

    /** Which shape applies, or 0 when none does (then the caller uses OpenBLAS). */
    static char shape(int m, int n, int k, boolean tb) {
        if (n <= THIN) return 'n';
        if (k <= THIN) return 'k';
        if (m <= THIN && !tb) return 'm';
        return 0;
    }

    /** c [m, n] = alpha·op(a)·op(b) + beta·c; {@code shape} from {@link #shape}. */
    static void gemm(
            char shape, Mat a, Mat b, ByteBuffer c, int m, int n, int k, float alpha, float beta) {
        long cost = (long) m * n * k;
        switch (shape) {
            case 'n' -> {
                int np = (n + L - 1) / L * L;
                float[] bp = pack(b, k, n, np, false);
                Kernels.parallel(
                        (m + ROWS_A - 1) / ROWS_A,
                        cost,
                        (lo, hi) ->
                                thinN(
                                        a,
                                        bp,
                                        np,
                                        c,
                                        n,
                                        k,
                                        lo * ROWS_A,
                                        Math.min(m, hi * ROWS_A),
                                        alpha,
                                        beta));
            }
            case 'k' -> {
                float[] bp = pack(b, k, n, n, false);
                Kernels.parallel(
                        (m + ROWS_B - 1) / ROWS_B,
                        cost,
                        (lo, hi) ->
                                thinK(
                                        a,
                                        bp,
                                        c,
                                        n,
                                        k,
                                        lo * ROWS_B,
                                        Math.min(m, hi * ROWS_B),
                                        alpha,
                                        beta));
            }
            case 'm' -> {
                int mp = (m + ROWS_C - 1) / ROWS_C * ROWS_C;
                float[] ap = pack(a, m, k, mp, true);
                int blocks = (n + 2 * L - 1) / (2 * L);
                Kernels.parallel(
                        blocks,
                        cost,
                        (lo, hi) ->
                                thinM(
                                        ap,
                                        mp,
                                        b,
                                        c,
                                        m,
                                        n,
                                        k,
                                        lo * 2 * L,
                                        Math.min(n, hi * 2 * L),
                                        alpha,
                                        beta));
            }
            default -> throw new IllegalArgumentException("not a thin product: " + shape);
        }
    }

    /**
     * x's rows × cols elements into this thread's pack array, row-major with stride ld (zero beyond
     * cols), or, if {@code columnMajor}, as [cols, ld] (element (i, j) at j·ld + i).
     */
    private static float[] pack(Mat x, int rows, int cols, int ld, boolean columnMajor) {
        int size = columnMajor ? cols * ld : rows * ld;
        float[] p = PACK.get();
        if (p.length < size) PACK.set(p = new float[size]);
        java.util.Arrays.fill(p, 0, size, 0f);
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) p[columnMajor ? j * ld + i : i * ld + j] = x.at(i, j);
        return p;
    }

    /**
     * c[at + l] = alpha·sum[l] + beta·c[at + l] for l &lt; count, the sums a vector's worth of
     * floats of a thread's tile from sumAt. Not a vector argument: a call C2 leaves out of line (it
     * did, as "already compiled into a medium method") would box it.
     */
    private static void store(
            float[] sums, int sumAt, ByteBuffer c, int at, int count, float alpha, float beta) {
        FloatVector v = FloatVector.fromArray(S, sums, sumAt).mul(alpha);
        if (count == L) {
            if (beta != 0) v = v.add(FloatVector.fromByteBuffer(S, c, at * 4, O).mul(beta));
            v.intoByteBuffer(c, at * 4, O);
            return;
        }
        for (int l = 0; l < count; l++) {
            float x = v.lane(l);
            if (beta != 0) x += c.getFloat((at + l) * 4) * beta;
            c.putFloat((at + l) * 4, x);
        }
    }

    /**
     * A block's accumulators, written into a thread's float[] tile, reach c here: c[first +
     * r·stride + v·L + l] = alpha·tile[(r·vecs + v)·L + l] + beta·c, l < count. In a method of its
     * own: the blocks inlined up to 16 ByteBuffer stores, and C2's node-count cutoff left the last
     * ones as calls, boxing their vectors on every block.
     */
    private static void flush(
            float[] tile,
            int rows,
            int vecs,
            ByteBuffer c,
            int first,
            int stride,
            int count,
            float alpha,
            float beta) {
        for (int r = 0; r < rows; r++)
            for (int v = 0; v < vecs; v++)
                store(tile, (r * vecs + v) * L, c, first + r * stride + v * L, count, alpha, beta);
    }

    /** A thread's tile for {@link #flush}: up to 16 accumulators. */
    private static final ThreadLocal<float[]> TILE =
            ThreadLocal.withInitial(() -> new float[16 * L]);

    private static void storeScalar(float sum, ByteBuffer c, int at, float alpha, float beta) {
        float x = sum * alpha;
        if (beta != 0) x += c.getFloat(at * 4) * beta;
        c.putFloat(at * 4, x);
    }

    // ---- n thin: c rows [i0, i1), each row's n outputs in np/L vectors ----

    private static void thinN(
            Mat a,
            float[] bp,
            int np,
            ByteBuffer c,
            int n,
            int k,
            int i0,
            int i1,
            float alpha,
            float beta) {
        float[] t = TILE.get();
        for (int j = 0; j < np; j += L) {
            int count = Math.min(L, n - j), i = i0;
            for (; i + ROWS_A <= i1; i += ROWS_A)
                thinNBlock(a, bp, np, j, c, n, k, i, count, alpha, beta);
            for (; i < i1; i++) {
                FloatVector s = FloatVector.zero(S);
                for (int kk = 0; kk < k; kk++)
                    s =
                            FloatVector.fromArray(S, bp, kk * np + j)
                                    .fma(FloatVector.broadcast(S, a.at(i, kk)), s);
                s.intoArray(t, 0);
                store(t, 0, c, i * n + j, count, alpha, beta);
            }
        }
    }

    private static void thinNBlock(
            Mat a,
            float[] bp,
            int np,
            int j,
            ByteBuffer c,
            int n,
            int k,
            int i,
            int count,
            float alpha,
            float beta) {
        FloatVector s0 = FloatVector.zero(S),
                s1 = s0,
                s2 = s0,
                s3 = s0,
                s4 = s0,
                s5 = s0,
                s6 = s0,
                s7 = s0;
        for (int kk = 0; kk < k; kk++) {
            FloatVector v = FloatVector.fromArray(S, bp, kk * np + j);
            s0 = v.fma(FloatVector.broadcast(S, a.at(i, kk)), s0);
            s1 = v.fma(FloatVector.broadcast(S, a.at(i + 1, kk)), s1);
            s2 = v.fma(FloatVector.broadcast(S, a.at(i + 2, kk)), s2);
            s3 = v.fma(FloatVector.broadcast(S, a.at(i + 3, kk)), s3);
            s4 = v.fma(FloatVector.broadcast(S, a.at(i + 4, kk)), s4);
            s5 = v.fma(FloatVector.broadcast(S, a.at(i + 5, kk)), s5);
            s6 = v.fma(FloatVector.broadcast(S, a.at(i + 6, kk)), s6);
            s7 = v.fma(FloatVector.broadcast(S, a.at(i + 7, kk)), s7);
        }
        float[] t = TILE.get();
        s0.intoArray(t, 0);
        s1.intoArray(t, L);
        s2.intoArray(t, 2 * L);
        s3.intoArray(t, 3 * L);
        s4.intoArray(t, 4 * L);
        s5.intoArray(t, 5 * L);
        s6.intoArray(t, 6 * L);
        s7.intoArray(t, 7 * L);
        flush(t, ROWS_A, 1, c, i * n + j, n, count, alpha, beta);
    }

    // ---- k thin: c rows [i0, i1), bp = op(b) as [k, n] ----

    private static void thinK(
            Mat a,
            float[] bp,
            ByteBuffer c,
            int n,
            int k,
            int i0,
            int i1,
            float alpha,
            float beta) {
        int i = i0;
        for (; i + ROWS_B <= i1; i += ROWS_B) {
            int j = 0;
            for (; j + 4 * L <= n; j += 4 * L) thinKBlock(a, bp, c, n, k, i, j, alpha, beta);
            for (int r = i; r < i + ROWS_B; r++) thinKTail(a, bp, c, n, k, r, j, alpha, beta);
        }
        for (; i < i1; i++) thinKTail(a, bp, c, n, k, i, 0, alpha, beta);
    }

    private static void thinKBlock(
            Mat a, float[] bp, ByteBuffer c, int n, int k, int i, int j, float alpha, float beta) {
        FloatVector z = FloatVector.zero(S);
        FloatVector s00 = z, s01 = z, s02 = z, s03 = z, s10 = z, s11 = z, s12 = z, s13 = z;
        for (int kk = 0; kk < k; kk++) {
            int o = kk * n + j;
            FloatVector b0 = FloatVector.fromArray(S, bp, o),
                    b1 = FloatVector.fromArray(S, bp, o + L);
            FloatVector b2 = FloatVector.fromArray(S, bp, o + 2 * L),
                    b3 = FloatVector.fromArray(S, bp, o + 3 * L);
            FloatVector x = FloatVector.broadcast(S, a.at(i, kk));
            s00 = b0.fma(x, s00);
            s01 = b1.fma(x, s01);
            s02 = b2.fma(x, s02);
            s03 = b3.fma(x, s03);
            x = FloatVector.broadcast(S, a.at(i + 1, kk));
            s10 = b0.fma(x, s10);
            s11 = b1.fma(x, s11);
            s12 = b2.fma(x, s12);
            s13 = b3.fma(x, s13);
        }
        float[] t = TILE.get();
        s00.intoArray(t, 0);
        s01.intoArray(t, L);
        s02.intoArray(t, 2 * L);
        s03.intoArray(t, 3 * L);
        s10.intoArray(t, 4 * L);
        s11.intoArray(t, 5 * L);
        s12.intoArray(t, 6 * L);
        s13.intoArray(t, 7 * L);
        flush(t, 2, 4, c, i * n + j, n, L, alpha, beta);
    }

    /** Row i from column j on: whole vectors, then scalars (the same chain per element). */
    private static void thinKTail(
            Mat a, float[] bp, ByteBuffer c, int n, int k, int i, int j, float alpha, float beta) {
        float[] t = TILE.get();
        for (; j + L <= n; j += L) {
            FloatVector s = FloatVector.zero(S);
            for (int kk = 0; kk < k; kk++)
                s =
                        FloatVector.fromArray(S, bp, kk * n + j)
                                .fma(FloatVector.broadcast(S, a.at(i, kk)), s);
            s.intoArray(t, 0);
            store(t, 0, c, i * n + j, L, alpha, beta);
        }
        for (; j < n; j++) {
            float s = 0;
            for (int kk = 0; kk < k; kk++) s = Math.fma(bp[kk * n + j], a.at(i, kk), s);
            storeScalar(s, c, i * n + j, alpha, beta);
        }
    }

    // ---- m thin: c columns [j0, j1), ap = op(a) k-major ([k, mp]), b read in place ----

    private static void thinM(
            float[] ap,
            int mp,
            Mat b,
            ByteBuffer c,
            int m,
            int n,
            int k,
            int j0,
            int j1,
            float alpha,
            float beta) {
        int j = j0;
        for (; j + 2 * L <= j1; j += 2 * L) {
            int i = 0;
            for (; i + ROWS_C <= m; i += ROWS_C) thinMBlock(ap, mp, b, c, n, k, i, j, alpha, beta);
            for (; i < m; i++) thinMTail(ap, mp, b, c, n, k, i, j, j + 2 * L, alpha, beta);
        }
        for (int i = 0; i < m; i++) thinMTail(ap, mp, b, c, n, k, i, j, j1, alpha, beta);
    }

    private static void thinMBlock(
            float[] ap,
            int mp,
            Mat b,
            ByteBuffer c,
            int n,
            int k,
            int i,
            int j,
            float alpha,
            float beta) {
        FloatVector z = FloatVector.zero(S);
        FloatVector s00 = z, s01 = z, s10 = z, s11 = z, s20 = z, s21 = z, s30 = z, s31 = z;
        FloatVector s40 = z, s41 = z, s50 = z, s51 = z, s60 = z, s61 = z, s70 = z, s71 = z;
        ByteBuffer bb = b.b();
        int ldb = b.ld();
        for (int kk = 0; kk < k; kk++) {
            int bo = (kk * ldb + j) * 4, ao = kk * mp + i;
            FloatVector b0 = FloatVector.fromByteBuffer(S, bb, bo, O),
                    b1 = FloatVector.fromByteBuffer(S, bb, bo + 4 * L, O);
            FloatVector x = FloatVector.broadcast(S, ap[ao]);
            s00 = b0.fma(x, s00);
            s01 = b1.fma(x, s01);
            x = FloatVector.broadcast(S, ap[ao + 1]);
            s10 = b0.fma(x, s10);
            s11 = b1.fma(x, s11);
            x = FloatVector.broadcast(S, ap[ao + 2]);
            s20 = b0.fma(x, s20);
            s21 = b1.fma(x, s21);
            x = FloatVector.broadcast(S, ap[ao + 3]);
            s30 = b0.fma(x, s30);
            s31 = b1.fma(x, s31);
            x = FloatVector.broadcast(S, ap[ao + 4]);
            s40 = b0.fma(x, s40);
            s41 = b1.fma(x, s41);
            x = FloatVector.broadcast(S, ap[ao + 5]);
            s50 = b0.fma(x, s50);
            s51 = b1.fma(x, s51);
            x = FloatVector.broadcast(S, ap[ao + 6]);
            s60 = b0.fma(x, s60);
            s61 = b1.fma(x, s61);
            x = FloatVector.broadcast(S, ap[ao + 7]);
            s70 = b0.fma(x, s70);
            s71 = b1.fma(x, s71);
        }
        float[] t = TILE.get();
        s00.intoArray(t, 0);
        s01.intoArray(t, L);
        s10.intoArray(t, 2 * L);
        s11.intoArray(t, 3 * L);
        s20.intoArray(t, 4 * L);
        s21.intoArray(t, 5 * L);
        s30.intoArray(t, 6 * L);
        s31.intoArray(t, 7 * L);
        s40.intoArray(t, 8 * L);
        s41.intoArray(t, 9 * L);
        s50.intoArray(t, 10 * L);
        s51.intoArray(t, 11 * L);
        s60.intoArray(t, 12 * L);
        s61.intoArray(t, 13 * L);
        s70.intoArray(t, 14 * L);
        s71.intoArray(t, 15 * L);
        flush(t, 8, 2, c, i * n + j, n, L, alpha, beta);
    }

    /** Row i, columns [j, j1): whole vectors, then scalars (the same chain per element). */
    private static void thinMTail(
            float[] ap,
            int mp,
            Mat b,
            ByteBuffer c,
            int n,
            int k,
            int i,
            int j,
            int j1,
            float alpha,
            float beta) {
        ByteBuffer bb = b.b();
        int ldb = b.ld();
        float[] t = TILE.get();
        for (; j + L <= j1; j += L) {
            FloatVector s = FloatVector.zero(S);
            for (int kk = 0; kk < k; kk++)
                s =
                        FloatVector.fromByteBuffer(S, bb, (kk * ldb + j) * 4, O)
                                .fma(FloatVector.broadcast(S, ap[kk * mp + i]), s);
            s.intoArray(t, 0);
            store(t, 0, c, i * n + j, L, alpha, beta);
        }
        for (; j < j1; j++) {
            float s = 0;
            for (int kk = 0; kk < k; kk++)
                s = Math.fma(bb.getFloat((kk * ldb + j) * 4), ap[kk * mp + i], s);
            storeScalar(s, c, i * n + j, alpha, beta);
        }
    }
}
