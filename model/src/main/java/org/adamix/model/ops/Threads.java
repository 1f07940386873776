package org.adamix.model.ops;

import org.nd4j.linalg.factory.Nd4j;

/**
 * How many threads ND4J's native code uses: its own ops and the vector kernels (ND4J's environment)
 * and the GEMMs (OpenBLAS's own count, which the environment's setting does not reach). A Spark
 * task that set only the former ran each GEMM on all of the executor's cores while its other tasks
 * did the same (measured: two 1-core tasks on 2 cores trained 0.74x as fast as with both set).
 */
public final class Threads {
    private Threads() {}

    /** Native work (GEMMs, ND4J ops, the vector kernels) uses n threads from now on. */
    public static void use(int n) {
        if (Nd4j.factory().blas().getMaxThreads() != n) Nd4j.factory().blas().setMaxThreads(n);
        if (Nd4j.getEnvironment().maxThreads() != n) {
            Nd4j.getEnvironment().setMaxThreads(n);
            Nd4j.getEnvironment().setMaxMasterThreads(n);
        }
    }

    /** The threads a GEMM uses now. */
    public static int blas() {
        return Nd4j.factory().blas().getMaxThreads();
    }
}
