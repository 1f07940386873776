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
 * C2 does not inline through a handle that is not a constant, so the fields are not final.
 */
final class RowKernels {
    private static final MethodType ROW =
            MethodType.methodType(
                    void.class,
                    float[].class,
                    float[].class,
                    float[].class,
                    float[].class,
                    int.class);

    // Not final: a constant handle would be inlined like a direct call.
    static MethodHandle exactInfer = find("exactInferRow"),
            exactBackward = find("exactBackwardRow"),
            exactBackwardKept = find("exactBackwardRowKept"),
            tanhBackward = find("tanhBackwardRow"),
            tanhBackwardKept = find("tanhBackwardRowKept");

    private RowKernels() {}

    private static MethodHandle find(String name) {
        try {
            return MethodHandles.lookup().findStatic(VectorKernels.class, name, ROW);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** kernel(xs, bs, ks, gs, vEnd): the kernel's arrays, as {@link VectorKernels} names them. */
    static void call(
            MethodHandle kernel, float[] xs, float[] bs, float[] ks, float[] gs, int vEnd) {
        try {
            kernel.invokeExact(xs, bs, ks, gs, vEnd);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
