package org.adamix.model.ops;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Dropout multipliers (0, or 1/keep with probability keep = 1 − p) as a pure function of (seed,
 * element index), the way counter-based generators serve dropout on GPUs: no mask is stored between
 * the forward and the backward pass, each pass recomputes the one it needs, on any thread and in
 * any order. Element i is kept when the top 24 bits of a 32-bit hash of (seed, i) fall below
 * keep·2²⁴ (MurmurHash3's finaliser over a Weyl sequence: every bit of the index and the seed
 * reaches every bit of the result). Indices are taken modulo 2³²; a seed is a site's key for one
 * step ({@code Router.dropoutSeed}).
 */
public record DropoutMask(long seed, double p) {
    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> IS = IntVector.SPECIES_PREFERRED;
    private static final int L = FS.length();
    private static final boolean SAME_LANES = IS.length() == L;
    private static final ByteOrder O = ByteOrder.nativeOrder();
    private static final int GOLDEN = 0x9E3779B9;
    private static final int[] IOTA = new int[IS.length()];

    static {
        for (int i = 0; i < IOTA.length; i++) IOTA[i] = i;
    }

    public DropoutMask {
        if (!(p > 0 && p < 1))
            throw new IllegalArgumentException("dropout p must be in (0, 1): " + p);
    }

    private int key() {
        return (int) (seed ^ (seed >>> 32));
    }

    private int threshold() {
        return (int) Math.round((1.0 - p) * (1 << 24));
    }

    private float scale() {
        return (float) (1.0 / (1.0 - p));
    }

    private static int hash(int index, int key) {
        int h = index * GOLDEN + key;
        h ^= h >>> 16;
        h *= 0x85EBCA6B;
        h ^= h >>> 13;
        h *= 0xC2B2AE35;
        return h ^ (h >>> 16);
    }

    /** The multiplier of element {@code index}. */
    public float multiplier(long index) {
        return scalar(index, key(), threshold(), scale());
    }

    /**
     * Lane j's hash input for elements from index: (index + j)·GOLDEN + key, as in {@link #hash}.
     */
    private static IntVector weyl(int index, int key) {
        return IntVector.fromArray(IS, IOTA, 0).add(index).mul(GOLDEN).add(key);
    }

    /**
     * Lanes j floats on: {@link #weyl}'s inputs are a Weyl sequence, so an add replaces a multiply
     * per vector. From the loop-invariant first lanes, not carried from vector to vector: C2 (JDK
     * 17) kept a vector carried round a loop boxed, allocating on every step.
     */
    private static IntVector weyl(IntVector first, int j) {
        return first.add(j * GOLDEN);
    }

    /** The multipliers of the lanes whose hash inputs are w. */
    private static FloatVector vector(IntVector w, int threshold, float scale) {
        IntVector h = w.lanewise(VectorOperators.XOR, w.lanewise(VectorOperators.LSHR, 16));
        h = h.mul(0x85EBCA6B);
        h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 13)).mul(0xC2B2AE35);
        h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 16));
        var keep = h.lanewise(VectorOperators.LSHR, 8).compare(VectorOperators.LT, threshold);
        return FloatVector.zero(FS).blend(scale, keep.cast(FS));
    }

    /** The multiplier of element index with this mask's key, threshold and scale. */
    private static float scalar(long index, int key, int threshold, float scale) {
        return (hash((int) index, key) >>> 8) < threshold ? scale : 0f;
    }

    /** out[at + j] = multiplier(index + j) for j &lt; n. */
    void fill(long index, float[] out, int at, int n) {
        int key = key(), threshold = threshold(), j = 0;
        float scale = scale();
        if (SAME_LANES)
            for (IntVector w0 = weyl((int) index, key); j + L <= n; j += L)
                vector(weyl(w0, j), threshold, scale).intoArray(out, at + j);
        for (; j < n; j++) out[at + j] = scalar(index + j, key, threshold, scale);
    }

    /**
     * out[outAt + j] = (x[xAt + j]·factor)·multiplier(index + j) for j &lt; n (out may be x): one
     * pass where {@link #fill} and a product would take two and a mask array. The factor lets the
     * pass that scales x (softmax's 1/sum) be this one.
     */
    void multiply(long index, float[] x, int xAt, float factor, float[] out, int outAt, int n) {
        int key = key(), threshold = threshold(), j = 0;
        float scale = scale();
        if (SAME_LANES)
            for (IntVector w0 = weyl((int) index, key); j + L <= n; j += L)
                FloatVector.fromArray(FS, x, xAt + j)
                        .mul(factor)
                        .mul(vector(weyl(w0, j), threshold, scale))
                        .intoArray(out, outAt + j);
        for (; j < n; j++)
            out[outAt + j] = x[xAt + j] * factor * scalar(index + j, key, threshold, scale);
    }

    /**
     * {@link #multiply} with factor 1 that also keeps the multipliers, mask[maskAt + j] =
     * multiplier(index + j): for a backward pass that uses them twice (hashing twice was slower).
     */
    void multiplyAndFill(
            long index,
            float[] x,
            int xAt,
            float[] out,
            int outAt,
            float[] mask,
            int maskAt,
            int n) {
        int key = key(), threshold = threshold(), j = 0;
        float scale = scale();
        if (SAME_LANES)
            for (IntVector w0 = weyl((int) index, key); j + L <= n; j += L) {
                FloatVector m = vector(weyl(w0, j), threshold, scale);
                m.intoArray(mask, maskAt + j);
                FloatVector.fromArray(FS, x, xAt + j).mul(m).intoArray(out, outAt + j);
            }
        for (; j < n; j++) {
            float m = scalar(index + j, key, threshold, scale);
            mask[maskAt + j] = m;
            out[outAt + j] = x[xAt + j] * m;
        }
    }

    /** x[i] *= multiplier(i) for the floats i in [from, to) of x (native order), in place. */
    void apply(ByteBuffer x, int from, int to) {
        int key = key(), threshold = threshold(), i = from;
        float scale = scale();
        if (SAME_LANES)
            for (IntVector w0 = weyl(from, key); i + L <= to; i += L)
                FloatVector.fromByteBuffer(FS, x, i * 4, O)
                        .mul(vector(weyl(w0, i - from), threshold, scale))
                        .intoByteBuffer(x, i * 4, O);
        for (; i < to; i++)
            if ((hash(i, key) >>> 8) >= threshold) x.putFloat(i * 4, 0f);
            else x.putFloat(i * 4, x.getFloat(i * 4) * scale);
    }

    /** The multipliers of every element of an array of this shape (the ND4J path, tests). */
    public INDArray materialize(long[] shape, DataType dataType) {
        long n = 1;
        for (long d : shape) n *= d;
        float[] m = new float[Math.toIntExact(n)];
        fill(0, m, 0, m.length);
        return Nd4j.createFromArray(m).castTo(dataType).reshape(shape);
    }
}
