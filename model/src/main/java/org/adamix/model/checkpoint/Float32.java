package org.adamix.model.checkpoint;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Moves float32 data between Java arrays (C order) and INDArrays, whatever the array's view or
 * order.
 */
final class Float32 {

    private Float32() {}

    /** The elements of {@code a} in C order as float32 (a copy). */
    static float[] toFloats(INDArray a) {
        if (a.length() == 0) return new float[0];
        if (a.dataType() != DataType.FLOAT) a = a.castTo(DataType.FLOAT);
        // a view or an 'f'-ordered array does not own a C-ordered buffer of exactly its elements
        if (a.isView() || a.ordering() != 'c' || a.data().length() != a.length()) a = a.dup('c');
        return a.data().asFloat();
    }

    /** A float32 INDArray of the given shape holding {@code data} in C order. */
    static INDArray create(float[] data, long[] shape) {
        long n = numel(shape);
        if (n != data.length)
            throw new IllegalArgumentException(
                    data.length + " values for shape " + Arrays.toString(shape));
        if (n == 0) return Nd4j.create(DataType.FLOAT, shape);
        if (shape.length == 0) return Nd4j.scalar(DataType.FLOAT, data[0]);
        return Nd4j.create(data, shape, 'c');
    }

    /** Number of elements, or -1 when a dimension is negative or the count overflows a long. */
    static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) return -1;
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                return -1;
            }
        }
        return n;
    }
}
