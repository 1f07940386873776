package org.adamix.model.bench;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What ND4J's float GEMM (OpenBLAS sgemm) reaches on this machine's threads: the peak the model's
 * GFLOP/s is compared with. The best of {@code reps} timed products, after as many unmeasured ones.
 */
final class GemmPeak {
    private GemmPeak() {}

    /** GFLOP/s of C[m, n] = A[m, k] · B[k, n]. */
    static double gflops(int m, int k, int n, int reps) {
        INDArray a = Nd4j.rand(DataType.FLOAT, m, k), b = Nd4j.rand(DataType.FLOAT, k, n);
        INDArray c = Nd4j.create(DataType.FLOAT, m, n);
        double best = Double.MAX_VALUE;
        for (int i = 0; i < 2 * reps; i++) {
            long t0 = System.nanoTime();
            Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
            double s = (System.nanoTime() - t0) / 1e9;
            if (i >= reps) best = Math.min(best, s);
        }
        a.close();
        b.close();
        c.close();
        return 2.0 * m * k * n / best / 1e9;
    }
}
