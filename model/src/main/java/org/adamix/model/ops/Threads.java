package org.adamix.model.ops;

import org.nd4j.linalg.factory.Nd4j;

/**
 * How many threads native work uses: the vector kernels ({@link Kernels}), the GEMMs (OpenBLAS's
 * own count) and ND4J's own ops. A Spark task that set only ND4J's count ran each GEMM on all of
 * the executor's cores while its other tasks did the same (measured: two 1-core tasks on 2 cores
 * trained 0.74x as fast as with both set).
 *
 * <p>The kernels' count is kept here, not in ND4J's environment: {@code Environment.setMaxThreads}
 * does nothing in ND4J 1.0.0-M2.1 (checked: it stays at the core count), so tasks meant to run on
 * one core each forked every kernel onto a shared pool of all cores.
 */
public final class Threads {
    /** ND4J's count at start-up (the cores, or OMP_NUM_THREADS) until a Spark task sets its own. */
    private static volatile int kernels = Math.max(1, Nd4j.getEnvironment().maxThreads());

    private Threads() {}

    /** Native work (GEMMs, ND4J ops, the vector kernels) uses n threads from now on. */
    public static void use(int n) {
        if (n < 1) throw new IllegalArgumentException("threads must be >= 1: " + n);
        if (Nd4j.factory().blas().getMaxThreads() != n) Nd4j.factory().blas().setMaxThreads(n);
        if (Nd4j.getEnvironment().maxMasterThreads() != n)
            Nd4j.getEnvironment().setMaxMasterThreads(n);
        kernels = n;
    }

    /** The threads a GEMM uses now. */
    public static int blas() {
        return Nd4j.factory().blas().getMaxThreads();
    }

    /** The threads a vector kernel splits its work across. */
    public static int kernels() {
        return kernels;
    }
}
