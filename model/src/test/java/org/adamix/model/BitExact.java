package org.adamix.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Bit-for-bit comparison of arrays. {@code INDArray.equals}, and so {@code assertEquals} on two
 * INDArrays, accepts any difference up to 1e-5: it cannot show that two results are identical.
 */
public final class BitExact {
    private BitExact() {}

    /**
     * The values in row-major order (dup('c'): a view's buffer also holds values outside the view).
     */
    public static float[] floats(INDArray a) {
        if (a.dataType() != DataType.FLOAT)
            throw new IllegalArgumentException("not float32: " + a.dataType());
        return a.dup('c').data().asFloat();
    }

    /**
     * Same shape, same data type and every value the same bits (assertArrayEquals compares
     * floatToIntBits).
     */
    public static void assertBitIdentical(INDArray expected, INDArray actual, String message) {
        assertArrayEquals(expected.shape(), actual.shape(), message + ": shape");
        assertEquals(expected.dataType(), actual.dataType(), message + ": data type");
        if (expected.dataType() == DataType.DOUBLE)
            assertArrayEquals(
                    expected.dup('c').data().asDouble(),
                    actual.dup('c').data().asDouble(),
                    message);
        else assertArrayEquals(floats(expected), floats(actual), message);
    }
}
