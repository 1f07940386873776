package org.adamix.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.opentest4j.AssertionFailedError;

/** Why the bit-for-bit tests do not use INDArray.equals: it calls arrays one ulp apart equal. */
class BitExactTest {
    @Test
    void oneUlpApartIsEqualForNd4jButNotBitIdentical() {
        INDArray a = Nd4j.createFromArray(1f, 2f, 3f);
        INDArray b = Nd4j.createFromArray(1f, Math.nextUp(2f), 3f);
        assertEquals(a, b, "INDArray.equals has a tolerance of 1e-5");
        assertThrows(
                AssertionFailedError.class, () -> BitExact.assertBitIdentical(a, b, "one ulp"));
        BitExact.assertBitIdentical(a, a.dup(), "a copy");
    }

    /** A view compares by its own values, not by the buffer it shares. */
    @Test
    void viewsCompareByTheirOwnValues() {
        INDArray m = Nd4j.create(new float[] {1, 2, 3, 4, 5, 6}, new long[] {2, 3}, DataType.FLOAT);
        BitExact.assertBitIdentical(Nd4j.createFromArray(4f, 5f, 6f), m.getRow(1), "row 1");
        BitExact.assertBitIdentical(
                Nd4j.create(new float[] {1, 4, 2, 5, 3, 6}, new long[] {3, 2}, DataType.FLOAT),
                m.transpose(),
                "transpose");
    }
}
