package org.adamix.model.checkpoint;

/** Widening of 16-bit floats to float32 (exact: every half and bfloat16 value is a float). */
final class HalfFloats {

    private HalfFloats() {}

    /** IEEE 754 binary16 bits (low 16 bits of {@code h}) to float32. */
    static float f16ToFloat(int h) {
        int sign = (h >>> 15) & 1;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0) {
            // zero or subnormal: mant * 2^-24, exactly representable as a float
            float v = mant * 0x1p-24f;
            return sign == 0 ? v : -v;
        }
        if (exp == 0x1f) {
            // infinity or NaN; keep the NaN payload in the high mantissa bits
            return Float.intBitsToFloat((sign << 31) | 0x7f800000 | (mant << 13));
        }
        return Float.intBitsToFloat((sign << 31) | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    /** bfloat16 bits (low 16 bits of {@code b}) to float32: bfloat16 is the top half of a float. */
    static float bf16ToFloat(int b) {
        return Float.intBitsToFloat((b & 0xffff) << 16);
    }
}
