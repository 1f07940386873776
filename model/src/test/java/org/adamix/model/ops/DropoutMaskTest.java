package org.adamix.model.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The dropout mask computed from (seed, index): the vector fill equals the scalar definition, the
 * kept fraction is 1 − p within binomial noise, neighbours are uncorrelated, seeds give other
 * masks, and the in-place kernel multiplies each element by exactly its multiplier.
 */
class DropoutMaskTest {
    private static final int N = 1 << 20;

    @Test
    void vectorFillEqualsTheScalarDefinitionAtAnyOffsetAndLength() {
        DropoutMask m = new DropoutMask(0x1234_5678_9abcL, 0.1);
        SplittableRandom r = new SplittableRandom(3);
        for (int trial = 0; trial < 50; trial++) {
            long index = r.nextLong(1L << 33); // past 2³²: indices wrap, as documented
            int n = 1 + r.nextInt(100), at = r.nextInt(5);
            float[] out = new float[at + n];
            m.fill(index, out, at, n);
            for (int j = 0; j < n; j++)
                assertEquals(m.multiplier(index + j), out[at + j], 0f, "element " + (index + j));
        }
    }

    @Test
    void multiplyIsTheProductWithTheFilledMultipliersBitForBit() {
        DropoutMask m = new DropoutMask(99, 0.3);
        SplittableRandom r = new SplittableRandom(4);
        for (int trial = 0; trial < 50; trial++) {
            long index = r.nextLong(1L << 33);
            int n = 1 + r.nextInt(100), at = r.nextInt(5), outAt = r.nextInt(5);
            float[] x = new float[at + n], mult = new float[n], out = new float[outAt + n];
            float factor = (float) r.nextDouble(0.01, 1);
            for (int j = 0; j < x.length; j++) x[j] = (float) r.nextDouble(-2, 2);
            m.fill(index, mult, 0, n);
            m.multiply(index, x, at, factor, out, outAt, n);
            for (int j = 0; j < n; j++)
                assertEquals(
                        Float.floatToRawIntBits(x[at + j] * factor * mult[j]),
                        Float.floatToRawIntBits(out[outAt + j]),
                        "element " + (index + j));
            float[] kept = new float[outAt + n], both = new float[at + n];
            m.multiplyAndFill(index, x, at, both, at, kept, outAt, n);
            for (int j = 0; j < n; j++) {
                assertEquals(mult[j], kept[outAt + j], 0f, "multiplier " + (index + j));
                assertEquals(
                        Float.floatToRawIntBits(x[at + j] * mult[j]),
                        Float.floatToRawIntBits(both[at + j]),
                        "element " + (index + j));
            }
            m.multiply(index, x, at, factor, x, at, n); // in place
            for (int j = 0; j < n; j++) assertEquals(out[outAt + j], x[at + j], 0f);
        }
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.1, 0.5, 0.9})
    void keepsOneMinusPWithinBinomialNoiseAndScalesByOneOverKeep(double p) {
        float[] m = new float[N];
        new DropoutMask(42, p).fill(0, m, 0, N);
        int kept = 0;
        for (float v : m) {
            if (v != 0f) {
                kept++;
                assertEquals((float) (1 / (1 - p)), v, 0f);
            }
        }
        double sd = Math.sqrt(N * p * (1 - p));
        assertEquals(N * (1 - p), kept, 5 * sd, "kept count");
    }

    @Test
    void neighboursAreUncorrelatedAndSeedsDiffer() {
        float[] a = new float[N], b = new float[N];
        new DropoutMask(7, 0.5).fill(0, a, 0, N);
        new DropoutMask(8, 0.5).fill(0, b, 0, N);
        double lag1 = 0, lag16 = 0, seeds = 0;
        for (int i = 0; i + 16 < N; i++) {
            lag1 += sign(a[i]) * sign(a[i + 1]);
            lag16 += sign(a[i]) * sign(a[i + 16]); // a vector's width apart
            seeds += sign(a[i]) * sign(b[i]);
        }
        double bound = 5 / Math.sqrt(N); // correlation of independent fair coins: sd 1/√N
        assertTrue(Math.abs(lag1 / N) < bound, "lag-1 correlation " + lag1 / N);
        assertTrue(Math.abs(lag16 / N) < bound, "lag-16 correlation " + lag16 / N);
        assertTrue(Math.abs(seeds / N) < bound, "two seeds' correlation " + seeds / N);
        float[] again = new float[N];
        new DropoutMask(7, 0.5).fill(0, again, 0, N);
        assertArrayEquals(a, again, "same seed, same mask");
    }

    private static double sign(float v) {
        return v == 0f ? -1 : 1;
    }

    @Test
    void kernelMultipliesEachElementByItsMultiplier() {
        DropoutMask m = new DropoutMask(99, 0.3);
        INDArray x = Nd4j.rand(DataType.FLOAT, 37, 29).subi(0.5); // rows not a vector's multiple
        float[] before = x.dup().data().asFloat();
        Kernels.dropout(m, x);
        float[] after = x.data().asFloat();
        for (int i = 0; i < before.length; i++)
            assertEquals(before[i] * m.multiplier(i), after[i], 0f, "element " + i);
        INDArray materialized = m.materialize(new long[] {37, 29}, DataType.FLOAT);
        for (int i = 0; i < before.length; i++)
            assertEquals(m.multiplier(i), materialized.getFloat(i), 0f);
    }

    @Test
    void refusesPOutsideTheOpenUnitInterval() {
        assertThrows(IllegalArgumentException.class, () -> new DropoutMask(1, 0));
        assertThrows(IllegalArgumentException.class, () -> new DropoutMask(1, 1));
        assertNotEquals(new DropoutMask(1, 0.1), new DropoutMask(2, 0.1));
    }
}
