package org.adamix.model.ops;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * GELU's row kernels (whole vectors of one staged row), called through method handles so that C2
 * compiles each on its own. Inlined into the loop that stages the rows, a kernel pushed that
 * compilation past C2's node-count cutoff (NodeCountInliningCutoff in -XX:+PrintInlining): Φ or the
 * derivative were then left as calls taking boxed vectors, and exact GELU ran 4x slower forward and
 * 3x slower backward than the same kernel compiled alone (measured on FFN-sized arrays, 2 threads).
 * C2 does not inline through a handle that is not a constant, so the fields are not final. A kernel
 * holds one exp at most: tanh's σ, derivative and product in one loop still crossed the cutoff
 * compiled alone (a 512-token run's profile showed its vector store not intrinsified).
 */
final class RowKernels {
    private static final MethodType ROW =
            MethodType.methodType(
                    void.class, float[].class, float[].class, float[].class, int.class);

    // Not final: a constant handle would be inlined like a direct call.
    static MethodHandle exactInfer = find("exactInferRow"),
            exactFactor = find("exactFactorRow"),
            exactFactorKept = find("exactFactorKeptRow"),
            tanhSigmoid = find("tanhSigmoidRow"),
            tanhFactorKept = find("tanhFactorKeptRow");

    private RowKernels() {}

    private static MethodHandle find(String name) {
        return handle(MethodHandles.lookup(), VectorKernels.class, name, ROW);
    }

    /**
     * The static method owner.name of that type, as a handle to keep in a non-final field (the
     * lookup is the owner's, so private methods can be found).
     */
    static MethodHandle handle(
            MethodHandles.Lookup lookup, Class<?> owner, String name, MethodType type) {
        try {
            return lookup.findStatic(owner, name, type);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What a handle's call threw, to rethrow: unchecked as it was, anything else wrapped. */
    static RuntimeException unchecked(Throwable t) {
        if (t instanceof RuntimeException e) return e;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }

    /** kernel(xs, bs, out, vEnd): x, the bias and the row it writes, over whole vectors. */
    static void call(MethodHandle kernel, float[] xs, float[] bs, float[] out, int vEnd) {
        try {
            kernel.invokeExact(xs, bs, out, vEnd);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }
}
