package org.adamix.model.ops;

import static org.adamix.model.BitExact.assertBitIdentical;
import static org.adamix.model.ops.KernelsTest.close;
import static org.adamix.model.ops.KernelsTest.rand;
import static org.adamix.model.ops.KernelsTest.viewOf;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Products with a thin dimension (an adapter's rank) through {@link Ops#gemm}: against the product
 * in double precision, against a scalar chain of fused multiply-adds in k order (bit for bit: the
 * kernel's promise that blocks, tails and threads all compute an element the same way), and with 1
 * and 2 threads. Shapes whose sizes are not multiples of the SIMD width or the row blocks, both
 * transposes, alpha/beta, views at an offset, and a stale NaN in c that beta = 0 must ignore.
 */
class VectorThinGemmTest {
    @BeforeAll
    static void seed() {
        Nd4j.getRandom().setSeed(5);
    }

    @ParameterizedTest(name = "[{0}] m={1} n={2} k={3} ta={4} tb={5}")
    @CsvSource({
        // an adapter's project-down x·Dᵀ; a narrow partial vector; dUp = dyᵀ·g; two vectors
        "n, 37, 16, 19, false, true",
        "n, 37, 5, 50, false, true",
        "n, 40, 16, 37, true, false",
        "n, 21, 32, 70, false, false",
        // project-up g·Uᵀ; column tails; transposed a
        "k, 37, 70, 16, false, true",
        "k, 37, 71, 5, false, false",
        "k, 3, 100, 8, true, false",
        // dDown = dgᵀ·x; a bias gradient onesᵀ·dy; rows not a multiple of the block
        "m, 16, 100, 300, true, false",
        "m, 1, 75, 40, false, false",
        "m, 9, 64, 50, false, false",
    })
    void matchesDoublePrecisionAndTheScalarChain(
            char shape, int m, int n, int k, boolean ta, boolean tb) {
        assertEquals(shape, VectorThinGemm.shape(m, n, k, tb), "the thin path takes this product");
        INDArray a = rand(ta ? k : m, ta ? m : k), b = rand(tb ? n : k, tb ? k : n);
        INDArray c0 = rand(m, n);
        for (double[] ab : new double[][] {{1, 0}, {0.5, 1.5}}) {
            double alpha = ab[0], beta = ab[1];
            INDArray opA = ta ? a.transpose() : a, opB = tb ? b.transpose() : b;
            INDArray expected = opA.mmul(opB).muli(alpha).addi(c0.mul(beta));
            INDArray c =
                    beta == 0
                            ? viewOf(Nd4j.valueArrayOf(new long[] {m, n}, Float.NaN))
                            : viewOf(c0.castTo(DataType.FLOAT));
            INDArray af = viewOf(a.castTo(DataType.FLOAT)), bf = viewOf(b.castTo(DataType.FLOAT));
            Ops.gemm(af, bf, c, ta, tb, alpha, beta);
            close(expected, c, 1e-5, shape + " alpha=" + alpha + " beta=" + beta);
            assertArrayEquals(
                    scalarChain(af, bf, c0.castTo(DataType.FLOAT), ta, tb, alpha, beta),
                    c.dup().data().asFloat(),
                    "one fma chain per element, in k order, bit for bit");
        }
    }

    /** alpha·Σ_k fma(op(b)(k, j), op(a)(i, k), ·) + beta·c, one element at a time, in float. */
    static float[] scalarChain(
            INDArray a, INDArray b, INDArray c, boolean ta, boolean tb, double alpha, double beta) {
        int m = (int) c.size(0), n = (int) c.size(1), k = (int) a.size(ta ? 0 : 1);
        float[] out = new float[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                float s = 0;
                for (int kk = 0; kk < k; kk++) {
                    float x = ta ? a.getFloat(kk, i) : a.getFloat(i, kk);
                    float y = tb ? b.getFloat(j, kk) : b.getFloat(kk, j);
                    s = Math.fma(y, x, s);
                }
                float v = s * (float) alpha;
                if (beta != 0) v += c.getFloat(i, j) * (float) beta;
                out[i * n + j] = v;
            }
        return out;
    }

    @ParameterizedTest
    @CsvSource({
        "4096, 16, 384, false, true",
        "4096, 384, 16, false, true",
        "16, 384, 4096, true, false"
    })
    void resultsDoNotDependOnTheThreadCount(int m, int n, int k, boolean ta, boolean tb) {
        INDArray a = rand(ta ? k : m, ta ? m : k).castTo(DataType.FLOAT);
        INDArray b = rand(tb ? n : k, tb ? k : n).castTo(DataType.FLOAT);
        int before = Threads.kernels();
        INDArray[] c = new INDArray[2];
        try {
            for (int t = 0; t < 2; t++) {
                Threads.use(t + 1);
                c[t] = Nd4j.create(DataType.FLOAT, m, n);
                Ops.gemm(a, b, c[t], ta, tb, 1, 0);
            }
        } finally {
            Threads.use(before);
        }
        assertBitIdentical(c[0], c[1], "1 thread vs 2 threads, bit for bit");
    }

    @ParameterizedTest
    @CsvSource({"40, 40, 40, false", "40, 40, 40, true", "16, 100, 300, true"})
    void productsWithoutAThinSideStayOnOpenBlas(int m, int n, int k, boolean tb) {
        // the last: few rows, but b transposed cannot be read in place along n
        assertEquals(0, VectorThinGemm.shape(m, n, k, tb));
    }
}
