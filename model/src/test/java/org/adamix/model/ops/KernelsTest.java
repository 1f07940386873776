package org.adamix.model.ops;

import static org.adamix.model.BitExact.assertBitIdentical;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.adamix.model.Gelu;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The vector kernels against the same math in double precision (the ND4J formulation the gradient
 * checks verify), on float32 inputs whose widths are not multiples of the SIMD width (so the masked
 * tails run) and on views at an offset inside a larger buffer. The tests run with
 * --add-modules=jdk.incubator.vector (the build's argLine); without it they would compare ND4J to
 * itself, so the first test insists the vector kernels are on.
 */
class KernelsTest {
    static final double TOL = 2e-6;

    @BeforeAll
    static void seed() {
        Nd4j.getRandom().setSeed(11);
    }

    @Test
    void vectorKernelsAreOnInTheTestJvm() {
        assertTrue(Kernels.describe().startsWith("vector-"), Kernels.describe());
        assertTrue(Kernels.on(Nd4j.create(DataType.FLOAT, 3, 5)));
        assertTrue(!Kernels.on(Nd4j.create(DataType.DOUBLE, 3, 5)), "float64 stays on ND4J");
        assertTrue(
                !Kernels.on(Nd4j.create(DataType.FLOAT, 3, 5).transpose()),
                "a transposed view is not contiguous");
        assertTrue(
                Kernels.on(Nd4j.create(DataType.FLOAT, new long[] {1, 5}, 'f')),
                "a row vector is dense whatever its flag");
        assertTrue(
                !Kernels.on(
                        Nd4j.create(DataType.FLOAT, 4, 6)
                                .get(
                                        org.nd4j.linalg.indexing.NDArrayIndex.all(),
                                        org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 3))),
                "a column block is not dense");
    }

    /** A float array of the given shape that is a view at an offset inside a larger buffer. */
    static INDArray viewOf(INDArray values) {
        INDArray big = Nd4j.create(DataType.FLOAT, values.length() + 37);
        INDArray v =
                Nd4j.create(
                        big.data(),
                        values.shape(),
                        Nd4j.getStrides(values.shape(), 'c'),
                        37,
                        'c',
                        DataType.FLOAT);
        v.assign(values);
        return v;
    }

    static INDArray rand(long... shape) {
        return Nd4j.rand(DataType.DOUBLE, shape).subi(0.5).muli(8);
    }

    static void close(INDArray expectedDouble, INDArray actualFloat, double tol, String what) {
        double err =
                expectedDouble.sub(actualFloat.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        double scale = Math.max(1, expectedDouble.amaxNumber().doubleValue());
        assertTrue(err <= tol * scale, what + ": max |diff| " + err);
    }

    @ParameterizedTest
    @EnumSource(Gelu.class)
    void geluForwardAndBackward(Gelu gelu) {
        INDArray x = rand(7, 45), bias = rand(45), dy = rand(7, 45);
        // reference: the ND4J formulation in double
        INDArray xb = x.addRowVector(bias);
        INDArray y = Nd4j.create(DataType.DOUBLE, 7, 45),
                keep = Nd4j.create(DataType.DOUBLE, 7, 45),
                dx = Nd4j.create(DataType.DOUBLE, 7, 45);
        gelu.forward(xb, y, keep);
        Buffers bd = new Buffers(DataType.DOUBLE);
        gelu.backward(xb, keep, dy, dx, bd.next(), bd.next());

        INDArray fx = viewOf(x.castTo(DataType.FLOAT)), fb = viewOf(bias.castTo(DataType.FLOAT));
        INDArray fy = viewOf(Nd4j.create(DataType.FLOAT, 7, 45)),
                fk = viewOf(Nd4j.create(DataType.FLOAT, 7, 45));
        gelu.forward(fx, fb, fy, fk, true);
        close(xb, fx, 1e-6, "x + bias written back");
        close(y, fy, TOL, "gelu(x)");
        close(keep, fk, TOL, "kept for backward");
        INDArray fdx = viewOf(dy.castTo(DataType.FLOAT));
        Buffers bf = new Buffers(DataType.FLOAT);
        gelu.backward(fx, fk, fdx, fdx, bf.next(), bf.next()); // in place, as the layers call it
        close(dx, fdx, TOL, "dx");

        // inference: only y is written, x keeps its values
        INDArray ix = viewOf(x.castTo(DataType.FLOAT)),
                iy = viewOf(Nd4j.create(DataType.FLOAT, 7, 45));
        gelu.forward(ix, fb, iy, fk, false);
        close(y, iy, TOL, "inference gelu(x + bias)");
        close(x, ix, 1e-6, "inference leaves x alone");

        // a layer that recomputes: x never gets the bias, both passes add it
        INDArray rx = viewOf(x.castTo(DataType.FLOAT)),
                ry = viewOf(Nd4j.create(DataType.FLOAT, 7, 45));
        INDArray before = rx.dup();
        gelu.forwardRecomputing(rx, fb, ry, bf.next());
        assertBitIdentical(before, rx, "x left as it is");
        close(y, ry, TOL, "gelu(x + bias), recomputing");
        INDArray rdx = viewOf(dy.castTo(DataType.FLOAT));
        gelu.backwardRecomputing(rx, fb, rdx, rdx, bf.next(), bf.next(), bf.next(), bf.next());
        close(dx, rdx, TOL, "dx, recomputing");
        // the same v = x + bias in float as a forward pass that writes it back, so the same bits
        INDArray sdx = viewOf(dy.castTo(DataType.FLOAT));
        Kernels.geluBackward(gelu == Gelu.EXACT, fx, null, null, sdx, sdx);
        assertBitIdentical(sdx, rdx, "recomputed from x and bias = recomputed from x + bias");
    }

    @Test
    void exactGeluMatchesErfReference() {
        // Φ at a few hand-checked points: Φ(0) = 0.5, Φ(1) = 0.841344746, Φ(-2) = 0.022750132
        INDArray x = viewOf(Nd4j.createFromArray(0f, 1f, -2f));
        INDArray y = Nd4j.create(DataType.FLOAT, 3), keep = Nd4j.create(DataType.FLOAT, 3);
        Gelu.EXACT.forward(x, Nd4j.zeros(DataType.FLOAT, 3), y, keep, true);
        assertEquals(0.5, keep.getDouble(0), 1e-7);
        assertEquals(0.841344746, keep.getDouble(1), 3e-7);
        assertEquals(0.022750132, keep.getDouble(2), 3e-7);
        assertEquals(-2 * 0.022750132, y.getDouble(2), 6e-7);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void layerNormWithResidual(boolean residual) {
        int n = 6, h = 37;
        INDArray a = rand(n, h), b = rand(n, h), gamma = rand(h), beta = rand(h), dy = rand(n, h);
        LayerNormOp ref = new LayerNormOp(1e-5, new Buffers(DataType.DOUBLE));
        INDArray y = Nd4j.create(DataType.DOUBLE, n, h), dx = Nd4j.create(DataType.DOUBLE, n, h);
        ref.forward(a, residual ? b : null, gamma, beta, y);
        ref.backward(dy, gamma, dx, null, null);

        LayerNormOp op = new LayerNormOp(1e-5, new Buffers(DataType.FLOAT));
        INDArray fy = viewOf(Nd4j.create(DataType.FLOAT, n, h)),
                fdx = viewOf(Nd4j.create(DataType.FLOAT, n, h));
        op.forward(
                viewOf(a.castTo(DataType.FLOAT)),
                residual ? viewOf(b.castTo(DataType.FLOAT)) : null,
                viewOf(gamma.castTo(DataType.FLOAT)),
                viewOf(beta.castTo(DataType.FLOAT)),
                fy);
        close(y, fy, 1e-5, "LayerNorm");
        op.backward(
                viewOf(dy.castTo(DataType.FLOAT)),
                viewOf(gamma.castTo(DataType.FLOAT)),
                fdx,
                null,
                null);
        close(dx, fdx, 1e-5, "LayerNorm backward");
    }

    @Test
    void embeddingsGatherAddAndNormalise() {
        int vocab = 11, maxPos = 9, types = 2, h = 21, b = 2, t = 5, offset = 2;
        INDArray word = rand(vocab, h),
                pos = rand(maxPos, h),
                type = rand(types, h),
                gamma = rand(h),
                beta = rand(h);
        int[][] ids = {{1, 10, 0, 3, 3}, {7, 2, 9, 1, 0}};
        int[][] tt = {{0, 0, 1, 1, 1}, {0, 1, 0, 1, 0}};
        INDArray tokens = Nd4j.create(DataType.FLOAT, b, 2, t),
                z = Nd4j.create(DataType.DOUBLE, b * t, h);
        for (int i = 0; i < b; i++)
            for (int j = 0; j < t; j++) {
                tokens.putScalar(new int[] {i, 0, j}, ids[i][j]);
                tokens.putScalar(new int[] {i, 1, j}, tt[i][j]);
                z.putRow(
                        i * t + j,
                        word.getRow(ids[i][j])
                                .add(pos.getRow(offset + j))
                                .add(type.getRow(tt[i][j])));
            }
        INDArray y = Nd4j.create(DataType.DOUBLE, b * t, h);
        new LayerNormOp(1e-12, new Buffers(DataType.DOUBLE)).forward(z, gamma, beta, y);

        LayerNormOp op = new LayerNormOp(1e-12, new Buffers(DataType.FLOAT));
        INDArray fy = viewOf(Nd4j.create(DataType.FLOAT, b * t, h));
        INDArray fw = viewOf(word.castTo(DataType.FLOAT)),
                fp = viewOf(pos.castTo(DataType.FLOAT)),
                ft = viewOf(type.castTo(DataType.FLOAT));
        INDArray fg = viewOf(gamma.castTo(DataType.FLOAT)),
                fb = viewOf(beta.castTo(DataType.FLOAT));
        assertTrue(op.embeddingsForward(viewOf(tokens), fw, fp, offset, ft, fg, fb, fy));
        close(y, fy, 1e-5, "embeddings");

        tokens.putScalar(new int[] {1, 0, 3}, 11);
        IllegalArgumentException e =
                org.junit.jupiter.api.Assertions.assertThrows(
                        IllegalArgumentException.class,
                        () -> op.embeddingsForward(tokens, fw, fp, offset, ft, fg, fb, fy));
        assertEquals("token id 11.0 at [1, 3] is outside the vocabulary (size 11)", e.getMessage());
    }

    @Test
    void addRowIsExact() {
        INDArray x = rand(5, 19).castTo(DataType.FLOAT), row = rand(19).castTo(DataType.FLOAT);
        INDArray out = viewOf(Nd4j.create(DataType.FLOAT, 5, 19));
        Ops.addRow(viewOf(x), viewOf(row), out);
        assertBitIdentical(x.addRowVector(row), out, "x + row");
    }

    /**
     * A Linear layer whose GEMM adds onto the bias rows (beta = 1) instead of adding the bias
     * after.
     */
    @Test
    void linearStartsFromTheBiasRows() {
        INDArray x = rand(37, 19), w = rand(23, 19), bias = rand(23);
        INDArray expected = x.mmul(w.transpose()).addRowVector(bias);
        INDArray y =
                viewOf(
                        Nd4j.valueArrayOf(
                                new long[] {37, 23}, 1e9f)); // stale contents must not leak in
        Ops.linear(
                viewOf(x.castTo(DataType.FLOAT)),
                viewOf(w.castTo(DataType.FLOAT)),
                viewOf(bias.castTo(DataType.FLOAT)),
                y);
        close(expected, y, 1e-6, "x·Wᵀ + b");

        INDArray residual = rand(37, 23);
        Ops.linearPlusResidual(
                viewOf(x.castTo(DataType.FLOAT)),
                viewOf(w.castTo(DataType.FLOAT)),
                viewOf(bias.castTo(DataType.FLOAT)),
                viewOf(residual.castTo(DataType.FLOAT)),
                y);
        close(expected.add(residual), y, 1e-6, "residual + x·Wᵀ + b");
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() {
        INDArray x = rand(300, 200).castTo(DataType.FLOAT);
        int before = Threads.kernels();
        INDArray[] y = new INDArray[2];
        try {
            for (int k = 0; k < 2; k++) {
                Threads.use(k + 1);
                INDArray s = x.dup(), bias = x.getRow(7).dup();
                INDArray g = Nd4j.create(DataType.FLOAT, 300, 200),
                        keep = Nd4j.create(DataType.FLOAT, 300, 200);
                Gelu.TANH.forward(s, bias, g, keep, true);
                y[k] = g;
            }
        } finally {
            Threads.use(before);
        }
        assertBitIdentical(y[0], y[1], "1 thread vs 2 threads, bit for bit");
    }
}
