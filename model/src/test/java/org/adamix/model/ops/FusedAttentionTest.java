package org.adamix.model.ops;

import static org.adamix.model.BitExact.assertBitIdentical;
import static org.adamix.model.ops.KernelsTest.close;
import static org.adamix.model.ops.KernelsTest.viewOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link Kernels#attention} and {@link Kernels#attentionBackward} against attention written out by
 * hand in double precision: scores, key-padding bias, softmax, dropout multipliers, the product
 * with V and the five backward products. Sequence lengths and head sizes that are not multiples of
 * the SIMD width (padded tiles, the one-vector column tail), ones that are (the four-vector
 * blocks), and one long enough to go in several blocks of query rows.
 */
class FusedAttentionTest {

    /**
     * The heads of one attention call, in double, as [B·T, H] arrays and [B, heads, T, T] masks.
     */
    private record Case(
            int b,
            int nh,
            int t,
            int dh,
            INDArray q,
            INDArray k,
            INDArray v,
            INDArray bias,
            DropoutMask mask,
            INDArray drop,
            INDArray dctx) {
        static Case random(int b, int nh, int t, int dh, boolean withDropout, long seed) {
            Nd4j.getRandom().setSeed(seed);
            int n = b * t, h = nh * dh;
            INDArray q = rnd(n, h), k = rnd(n, h), v = rnd(n, h), dctx = rnd(n, h);
            INDArray bias = Nd4j.zeros(DataType.DOUBLE, b, t);
            bias.putScalar(
                    new int[] {b - 1, t - 1},
                    -1e9); // the last keys of the last sequence are padding
            bias.putScalar(new int[] {b - 1, t - 2}, -1e9);
            DropoutMask mask = withDropout ? new DropoutMask(seed, 0.2) : null;
            INDArray drop = null;
            if (withDropout) { // the reference reads the multipliers one by one, in scalar code
                drop = Nd4j.create(DataType.DOUBLE, b, nh, t, t);
                for (long i = 0; i < drop.length(); i++) drop.putScalar(i, mask.multiplier(i));
            }
            return new Case(b, nh, t, dh, q, k, v, bias, mask, drop, dctx);
        }

        private static INDArray rnd(long... shape) {
            return Nd4j.rand(DataType.DOUBLE, shape).subi(0.5).muli(3);
        }

        double scale() {
            return 1 / Math.sqrt(dh);
        }

        /** Head h of batch element bi as a [t, dh] copy. */
        double[][] head(INDArray x, int bi, int h) {
            double[][] m = new double[t][dh];
            for (int r = 0; r < t; r++)
                for (int c = 0; c < dh; c++)
                    m[r][c] = x.getDouble((long) bi * t + r, (long) h * dh + c);
            return m;
        }
    }

    /**
     * Softmax rows' max and 1/sum, context and the three input gradients, computed by hand in
     * double.
     */
    private record Reference(INDArray stats, INDArray ctx, INDArray dq, INDArray dk, INDArray dv) {
        static Reference of(Case c) {
            int n = c.b * c.t, hid = c.nh * c.dh, t = c.t;
            INDArray stats = Nd4j.create(DataType.DOUBLE, c.b, c.nh, t, 2),
                    ctx = Nd4j.create(DataType.DOUBLE, n, hid);
            INDArray dq = Nd4j.create(DataType.DOUBLE, n, hid),
                    dk = Nd4j.create(DataType.DOUBLE, n, hid),
                    dv = Nd4j.create(DataType.DOUBLE, n, hid);
            for (int bi = 0; bi < c.b; bi++)
                for (int h = 0; h < c.nh; h++) {
                    double[][] q = c.head(c.q, bi, h),
                            k = c.head(c.k, bi, h),
                            v = c.head(c.v, bi, h),
                            g = c.head(c.dctx, bi, h);
                    double[][] p = new double[t][t], m = new double[t][t], ds = new double[t][t];
                    for (int i = 0; i < t; i++) {
                        double max = Double.NEGATIVE_INFINITY, sum = 0;
                        double[] s = new double[t];
                        for (int j = 0; j < t; j++) {
                            for (int d = 0; d < c.dh; d++) s[j] += q[i][d] * k[j][d];
                            s[j] = s[j] * c.scale() + c.bias.getDouble(bi, j);
                            max = Math.max(max, s[j]);
                        }
                        for (int j = 0; j < t; j++) sum += Math.exp(s[j] - max);
                        for (int j = 0; j < t; j++) {
                            p[i][j] = Math.exp(s[j] - max) / sum;
                            m[i][j] = c.drop == null ? 1 : c.drop.getDouble(bi, h, i, j);
                        }
                        stats.putScalar(new int[] {bi, h, i, 0}, max);
                        stats.putScalar(new int[] {bi, h, i, 1}, 1 / sum);
                    }
                    for (int i = 0; i < t; i++) {
                        double[] dp = new double[t];
                        double dot = 0;
                        for (int j = 0; j < t; j++) {
                            for (int d = 0; d < c.dh; d++) dp[j] += g[i][d] * v[j][d];
                            dp[j] *= m[i][j];
                            dot += dp[j] * p[i][j];
                        }
                        for (int j = 0; j < t; j++) ds[i][j] = p[i][j] * (dp[j] - dot);
                    }
                    for (int r = 0; r < t; r++)
                        for (int d = 0; d < c.dh; d++) {
                            double cx = 0, gq = 0, gk = 0, gv = 0;
                            for (int j = 0; j < t; j++) {
                                cx += p[r][j] * m[r][j] * v[j][d];
                                gq += ds[r][j] * k[j][d];
                                gk += ds[j][r] * q[j][d];
                                gv += p[j][r] * m[j][r] * g[j][d];
                            }
                            long row = (long) bi * t + r, col = (long) h * c.dh + d;
                            ctx.putScalar(row, col, cx);
                            dq.putScalar(row, col, gq * c.scale());
                            dk.putScalar(row, col, gk * c.scale());
                            dv.putScalar(row, col, gv);
                        }
                }
            return new Reference(stats, ctx, dq, dk, dv);
        }
    }

    private static INDArray f(INDArray x) {
        return x == null ? null : viewOf(x.castTo(DataType.FLOAT));
    }

    @ParameterizedTest(name = "B={0} heads={1} T={2} d={3} dropout={4}")
    @CsvSource({
        "2, 3, 13, 24, false",
        "2, 3, 13, 24, true",
        "1, 2, 70, 64, true",
        "2, 1, 32, 16, false",
        "2, 2, 40, 32, true",
        "1, 2, 21, 48, false",
        "1, 1, 9, 112, true",
        "1, 2, 300, 32, true"
    })
    void matchesAttentionByHand(int b, int nh, int t, int dh, boolean dropout) {
        Case c = Case.random(b, nh, t, dh, dropout, 7 + t);
        Reference ref = Reference.of(c);
        int n = b * t, hid = nh * dh;
        INDArray q = f(c.q), k = f(c.k), v = f(c.v), bias = f(c.bias);
        DropoutMask drop = c.mask;
        INDArray stats = viewOf(Nd4j.create(DataType.FLOAT, b, nh, t, 2)),
                ctx = viewOf(Nd4j.create(DataType.FLOAT, n, hid));
        Kernels.attention(q, k, v, bias, drop, stats, ctx, b, nh, c.scale());
        close(ref.stats, stats, 1e-6, "softmax rows' max and 1/sum");
        close(ref.ctx, ctx, 2e-6, "context");

        INDArray dq = viewOf(Nd4j.create(DataType.FLOAT, n, hid)),
                dk = viewOf(Nd4j.create(DataType.FLOAT, n, hid)),
                dv = viewOf(Nd4j.create(DataType.FLOAT, n, hid));
        Kernels.attentionBackward(
                q, k, v, bias, stats, drop, f(c.dctx), dq, dk, dv, b, nh, c.scale());
        close(ref.dv, dv, 2e-6, "dV");
        close(ref.dq, dq, 2e-6, "dQ");
        close(ref.dk, dk, 2e-6, "dK");
    }

    /**
     * The 300-token case above goes through several blocks of query rows, the last one part
     * padding, so dK and dV carry their sums from block to block.
     */
    @Test
    void longSequencesGoInBlocksOfQueryRows() {
        int rows = VectorAttention.blockRows(new VectorAttention.Shape(1, 2, 300, 32).tp());
        assertTrue(rows < 300 && 300 % rows != 0, rows + " rows per block at 300 tokens");
    }

    @Test
    void inferenceNeedsNoStatsAndGivesTheSameContext() {
        Case c = Case.random(2, 2, 21, 40, false, 3);
        INDArray q = f(c.q), k = f(c.k), v = f(c.v), bias = f(c.bias);
        INDArray stats = Nd4j.create(DataType.FLOAT, 2, 2, 21, 2),
                kept = Nd4j.create(DataType.FLOAT, 42, 80),
                notKept = Nd4j.create(DataType.FLOAT, 42, 80);
        Kernels.attention(q, k, v, bias, null, stats, kept, 2, 2, c.scale());
        Kernels.attention(q, k, v, bias, null, null, notKept, 2, 2, c.scale());
        assertBitIdentical(kept, notKept, "context with and without the row stats kept");
    }

    /**
     * Tiles are reused per thread: a call with a shorter sequence after a longer one must not see
     * the longer one's rows in its padding (same padded length: 30 and 20 both round up to 32).
     */
    @Test
    void aShorterSequenceAfterALongerOneIsUnaffected() {
        Case shortCase = Case.random(1, 1, 20, 16, false, 5),
                longCase = Case.random(1, 1, 30, 16, false, 6);
        INDArray fresh = Nd4j.create(DataType.FLOAT, 20, 16),
                after = Nd4j.create(DataType.FLOAT, 20, 16);
        Kernels.attention(
                f(shortCase.q),
                f(shortCase.k),
                f(shortCase.v),
                null,
                null,
                null,
                fresh,
                1,
                1,
                shortCase.scale());
        Kernels.attention(
                f(longCase.q),
                f(longCase.k),
                f(longCase.v),
                null,
                null,
                null,
                Nd4j.create(DataType.FLOAT, 30, 16),
                1,
                1,
                longCase.scale());
        Kernels.attention(
                f(shortCase.q),
                f(shortCase.k),
                f(shortCase.v),
                null,
                null,
                null,
                after,
                1,
                1,
                shortCase.scale());
        assertBitIdentical(fresh, after, "short sequence after a long one");
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() {
        Case c = Case.random(4, 4, 40, 32, true, 9);
        int before = Threads.kernels();
        INDArray[][] out = new INDArray[2][];
        try {
            for (int threads = 1; threads <= 2; threads++) {
                Threads.use(threads);
                INDArray stats = Nd4j.create(DataType.FLOAT, 4, 4, 40, 2),
                        ctx = Nd4j.create(DataType.FLOAT, 160, 128);
                INDArray dq = Nd4j.create(DataType.FLOAT, 160, 128),
                        dk = Nd4j.create(DataType.FLOAT, 160, 128),
                        dv = Nd4j.create(DataType.FLOAT, 160, 128);
                Kernels.attention(
                        f(c.q), f(c.k), f(c.v), f(c.bias), c.mask, stats, ctx, 4, 4, c.scale());
                Kernels.attentionBackward(
                        f(c.q), f(c.k), f(c.v), f(c.bias), stats, c.mask, f(c.dctx), dq, dk, dv, 4,
                        4, c.scale());
                out[threads - 1] = new INDArray[] {ctx, dq, dk, dv};
            }
        } finally {
            Threads.use(before);
        }
        for (int i = 0; i < 4; i++)
            assertBitIdentical(
                    out[0][i], out[1][i], "1 thread vs 2 threads, bit for bit (output " + i + ")");
        assertTrue(out[0][0].amaxNumber().doubleValue() > 0);
    }

    /**
     * dV = Pᵀ·dC is formed transposed (P read by rows) from P recomputed in blocks of query rows,
     * yet each element is still the FMA chain over the sequence in order: bit for bit the scalar
     * chain over the forward pass's P, at a length of whole and partial vector blocks. P is read
     * out exactly as the context of V = I in each head (one product term per element, the others
     * add zero), which needs the head size to cover the length; dV does not depend on V.
     */
    @Test
    void dValueIsTheFmaChainOverTheSequenceInOrder() {
        int b = 2, nh = 2, t = 37, dh = 40, n = b * t, hid = nh * dh;
        Case c = Case.random(b, nh, t, dh, false, 11);
        INDArray identity = Nd4j.create(DataType.FLOAT, n, hid);
        for (int bi = 0; bi < b; bi++)
            for (int h = 0; h < nh; h++)
                for (int r = 0; r < t; r++) identity.putScalar((long) bi * t + r, h * dh + r, 1f);
        INDArray stats = Nd4j.create(DataType.FLOAT, b, nh, t, 2),
                probs = Nd4j.create(DataType.FLOAT, n, hid),
                dctx = f(c.dctx);
        INDArray dq = Nd4j.create(DataType.FLOAT, n, hid),
                dk = Nd4j.create(DataType.FLOAT, n, hid),
                dv = Nd4j.create(DataType.FLOAT, n, hid);
        INDArray q = f(c.q), k = f(c.k), bias = f(c.bias);
        Kernels.attention(q, k, identity, bias, null, stats, probs, b, nh, c.scale());
        Kernels.attentionBackward(
                q, k, identity, bias, stats, null, dctx, dq, dk, dv, b, nh, c.scale());
        for (int bi = 0; bi < b; bi++)
            for (int h = 0; h < nh; h++)
                for (int i = 0; i < t; i++)
                    for (int d = 0; d < dh; d++) {
                        float acc = 0;
                        for (int r = 0; r < t; r++)
                            acc =
                                    Math.fma(
                                            probs.getFloat((long) bi * t + r, (long) h * dh + i),
                                            dctx.getFloat((long) bi * t + r, (long) h * dh + d),
                                            acc);
                        float got = dv.getFloat((long) bi * t + i, (long) h * dh + d);
                        assertEquals(
                                Float.floatToRawIntBits(acc),
                                Float.floatToRawIntBits(got),
                                "dV[" + bi + ", " + h + ", " + i + ", " + d + "]");
                    }
        float padding = probs.getFloat(b * t - 1, (nh - 1) * dh + t - 1);
        assertEquals(0f, padding, 1e-30f, "a padding key gets no weight");
    }
}
