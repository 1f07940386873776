package org.adamix.model.ops;

import org.nd4j.linalg.api.blas.params.MMulTranspose;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastSubOp;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The few ND4J kernels the Transformer needs, each writing into an array the caller owns. Every
 * method here allocates nothing large: the speed of this project comes from never asking ND4J for a
 * fresh output array in the training loop (first-touch page faults cost more than the math).
 */
public final class Ops {
    private static final MMulTranspose NN = MMulTranspose.builder().build();
    private static final MMulTranspose NT = MMulTranspose.builder().transposeB(true).build();
    private static final MMulTranspose TN = MMulTranspose.builder().transposeA(true).build();
    private static final MMulTranspose TT =
            MMulTranspose.builder().transposeA(true).transposeB(true).build();

    private Ops() {}

    /**
     * c = alpha * op(a) * op(b) + beta * c; also batched over leading dimensions for rank-3 arrays.
     * Products with a thin dimension (an adapter's rank) run on the vector kernels, the others on
     * OpenBLAS.
     */
    public static void gemm(
            INDArray a, INDArray b, INDArray c, boolean ta, boolean tb, double alpha, double beta) {
        if (Kernels.thinGemm(a, b, c, ta, tb, alpha, beta)) return;
        MMulTranspose mt = ta ? (tb ? TT : TN) : (tb ? NT : NN);
        Nd4j.exec(new Mmul(a, b, c, alpha, beta, mt));
    }

    /**
     * y = x · Wᵀ + bias: a Linear layer with PyTorch's [out, in] weight layout. With the vector
     * kernels y starts as the bias rows and the GEMM adds to it (beta = 1): one pass over y fewer,
     * since the GEMM clears y in a pass of its own when beta = 0.
     */
    public static void linear(INDArray x, INDArray w, INDArray bias, INDArray y) {
        linearPlusResidual(x, w, bias, null, y);
    }

    /**
     * y = residual + x · Wᵀ + bias, a Linear layer with a skip connection (residual may be null):
     * with the vector kernels y starts as residual + bias rows and the GEMM adds onto it, so the
     * residual costs no pass of its own.
     */
    public static void linearPlusResidual(
            INDArray x, INDArray w, INDArray bias, INDArray residual, INDArray y) {
        if (bias != null && Kernels.on(residual, bias, y)) {
            if (residual == null) Kernels.fillRows(bias, y);
            else Kernels.addRow(residual, bias, y);
            gemm(x, w, y, false, true, 1.0, 1.0);
            return;
        }
        gemm(x, w, y, false, true, 1.0, 0.0);
        if (bias != null) addRow(y, bias, y);
        if (residual != null) y.addi(residual);
    }

    /** out[i, :] = x[i, :] + row. */
    public static void addRow(INDArray x, INDArray row, INDArray out) {
        if (Kernels.on(x, row, out)) {
            Kernels.addRow(x, row, out);
            return;
        }
        Nd4j.exec(new BroadcastAddOp(x, row, out, 1));
    }

    /** out[i, :] = x[i, :] * row. */
    public static void mulRow(INDArray x, INDArray row, INDArray out) {
        Nd4j.exec(new BroadcastMulOp(x, row, out, 1));
    }

    /** out[i, :] = x[i, :] * col[i]. */
    public static void mulCol(INDArray x, INDArray col, INDArray out) {
        Nd4j.exec(new BroadcastMulOp(x, col, out, 0));
    }

    /** out[i, :] = x[i, :] - col[i]. */
    public static void subCol(INDArray x, INDArray col, INDArray out) {
        Nd4j.exec(new BroadcastSubOp(x, col, out, 0));
    }

    /**
     * out = column sums of x (the gradient of a bias), optionally added to what out holds. Done as
     * onesᵀ·x: a GEMV is ~5x faster here than ND4J's reduction along dimension 0. The ones vector
     * lives in the caller's buffer.
     */
    public static void sumRows(INDArray x, INDArray out, boolean accumulate, Buffer onesBuffer) {
        INDArray ones = onesBuffer.get(1, x.size(0));
        ones.assign(1.0);
        gemm(ones, x, out.reshape(1, out.length()), false, false, 1.0, accumulate ? 1.0 : 0.0);
    }

    /**
     * Sub-array {@code i} along dimension 0 of a c-contiguous array, as a view. (INDArray.slice
     * returns wrong results for some views of DL4J's flat parameter vector.)
     */
    public static INDArray slice(INDArray a, long i) {
        long[] shape = java.util.Arrays.copyOfRange(a.shape(), 1, a.rank());
        long[] strides = java.util.Arrays.copyOfRange(a.stride(), 1, a.rank());
        return Nd4j.create(
                a.data(), shape, strides, a.offset() + i * a.stride(0), 'c', a.dataType());
    }

    /** Rows [from, to) of a matrix: a contiguous view, no copy. */
    public static INDArray rows(INDArray m, long from, long to) {
        if (from == 0 && to == m.size(0)) return m;
        return m.get(
                org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to),
                org.nd4j.linalg.indexing.NDArrayIndex.all());
    }
}
