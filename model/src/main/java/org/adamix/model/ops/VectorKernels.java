package org.adamix.model.ops;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Transformer's element-wise and row-wise float32 kernels, fused and SIMD-vectorised with the
 * JDK's Vector API over ND4J's off-heap buffers. Each is one pass where ND4J needs three to eight
 * (GELU + bias, LayerNorm + residual, embeddings): 5-10x faster than the ND4J ops they replace,
 * measured. Attention has its own tiled kernel, {@link VectorAttention}, which uses this class's
 * exp.
 *
 * <p>Bit-reproducible: the same inputs give the same bits whatever the thread split and however
 * warm the JIT is. Only exactly rounded operations are used (+, −, ×, ÷, √, bit shifts): the Vector
 * API's own exp and lane reductions round differently compiled (SVML, tree order) than interpreted
 * (scalar, lane order), which once made a fresh JVM and a warm one disagree. A row's last {@code w
 * mod L} elements go through scalar code doing the very same operations, and every row is split
 * into vectors the same way, so sums always add in the same order.
 *
 * <p>Layout for the JIT: each pass over a row is its own small method taking buffers and indices,
 * never vectors, so that a method the compiler declines to inline costs a call, not boxed vectors.
 * Buffers are little ByteBuffers whose element 0 is the array's first element; indices count
 * floats. Only {@link Kernels} calls this class: loading it needs the jdk.incubator.vector module.
 */
final class VectorKernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ByteOrder O = ByteOrder.nativeOrder();

    private static final float C = (float) Math.sqrt(2.0 / Math.PI);
    private static final float K = 0.044715f;
    private static final float INV_SQRT2 = (float) (1.0 / Math.sqrt(2.0));
    private static final float INV_SQRT_2PI = (float) (1.0 / Math.sqrt(2.0 * Math.PI));

    private VectorKernels() {}

    static int lanes() {
        return L;
    }

    private static FloatVector ld(ByteBuffer b, int i) {
        return FloatVector.fromByteBuffer(S, b, i * 4, O);
    }

    private static void st(FloatVector v, ByteBuffer b, int i) {
        v.intoByteBuffer(b, i * 4, O);
    }

    private static float f(ByteBuffer b, int i) {
        return b.getFloat(i * 4);
    }

    private static void put(ByteBuffer b, int i, float v) {
        b.putFloat(i * 4, v);
    }

    /** End of the whole vectors of a row [base, base + w). */
    private static int vectorEnd(int base, int w) {
        return base + w - w % L;
    }

    // ---- exp and sums from exactly rounded operations ----

    private static final float LOG2E = 1.44269504f, LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    private static final float ROUNDER = 12582912f; // 1.5·2^23: adding it rounds to an integer

    /** (t's bits − ROUNDER's bits + 127) << 23 = (t's bits << 23) + this, modulo 2^32. */
    private static final int EXPONENT_BIAS = (127 - Float.floatToRawIntBits(ROUNDER)) << 23;

    private static final float EXP_MIN = -87.3f, EXP_MAX = 88f;
    // e^r ≈ 1 + r + r²·P(r) on |r| ≤ ln2/2 (Cephes' expf minimax coefficients, about 1 ulp)
    private static final float P0 = 1.9875691500e-4f,
            P1 = 1.3981999507e-3f,
            P2 = 8.3334519073e-3f,
            P3 = 4.1665795894e-2f,
            P4 = 1.6666665459e-1f,
            P5 = 5.0000001201e-1f;
    private static final FloatVector V_NEG_LN2_HI = FloatVector.broadcast(S, -LN2_HI),
            V_NEG_LN2_LO = FloatVector.broadcast(S, -LN2_LO),
            V_P2 = FloatVector.broadcast(S, P2),
            V_P3 = FloatVector.broadcast(S, P3),
            V_P4 = FloatVector.broadcast(S, P4),
            V_P5 = FloatVector.broadcast(S, P5),
            V_ONE = FloatVector.broadcast(S, 1f);

    /**
     * e^x for x in [−87.3, 88] (clamped outside: e^−87.3 ≈ 1e-38 stands for 0): x = k·ln2 + r with
     * |r| ≤ ln2/2, a degree-7 polynomial for e^r, 2^k written into the exponent bits. Fused
     * multiply-adds round once in compiled and interpreted code alike, and keep the JIT's code
     * small.
     */
    static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(EXP_MIN).min(EXP_MAX);
        FloatVector t = xc.fma(LOG2E, ROUNDER);
        FloatVector k = t.sub(ROUNDER);
        FloatVector r = k.fma(V_NEG_LN2_LO, k.fma(V_NEG_LN2_HI, xc));
        FloatVector p =
                r.fma(P0, P1)
                        .fma(r, V_P2)
                        .fma(r, V_P3)
                        .fma(r, V_P4)
                        .fma(r, V_P5)
                        .fma(r.mul(r), r.add(V_ONE));
        IntVector twoK =
                ((IntVector) t.reinterpretAsInts())
                        .lanewise(VectorOperators.LSHL, 23)
                        .add(EXPONENT_BIAS);
        return p.mul((FloatVector) twoK.reinterpretAsFloats());
    }

    /** The scalar twin of {@link #exp(FloatVector)}: the same operations, so the same bits. */
    static float exp(float x) {
        float xc = Math.min(Math.max(x, EXP_MIN), EXP_MAX);
        float t = Math.fma(xc, LOG2E, ROUNDER);
        float k = t - ROUNDER;
        float r = Math.fma(k, -LN2_LO, Math.fma(k, -LN2_HI, xc));
        float p =
                Math.fma(
                        Math.fma(Math.fma(Math.fma(Math.fma(r, P0, P1), r, P2), r, P3), r, P4),
                        r,
                        P5);
        p = Math.fma(p, r * r, r + 1f);
        return p * Float.intBitsToFloat((Float.floatToRawIntBits(t) << 23) + EXPONENT_BIAS);
    }

    /**
     * The lanes' sum, added in lane order: reduceLanes(ADD) adds in a different order compiled than
     * interpreted, and a shuffle-based tree fell off the JIT's intrinsic path.
     */
    static float sum(FloatVector v) {
        float s = 0;
        for (int i = 0; i < L; i++) s += v.lane(i);
        return s;
    }

    /**
     * {@link #sum} of a vector stored at lanes[at, at + L): the same additions in the same order.
     */
    static float sum(float[] lanes, int at) {
        float s = 0;
        for (int i = 0; i < L; i++) s += lanes[at + i];
        return s;
    }

    // ---- GELU ----

    /** σ(2u) = 1 / (1 + e^(−2u)), u = √(2/π)(x + 0.044715x³): GELU-tanh(x) = x·σ(2u). */
    private static FloatVector sigmoidOf2u(FloatVector x) {
        return V_ONE.div(exp(x.mul(x).mul(K).add(1f).mul(x).mul(-2 * C)).add(1f));
    }

    private static float sigmoidOf2u(float x) {
        return 1f / (exp((K * (x * x) + 1f) * x * (-2 * C)) + 1f);
    }

    /**
     * Φ(x) = ½(1 + erf(x/√2)), erf by Abramowitz &amp; Stegun 7.1.26 (|error| ≤ 1.5e-7; the API has
     * no erf).
     */
    private static FloatVector phi(FloatVector x) {
        FloatVector a = x.mul(INV_SQRT2).abs();
        return phi(x, a, exp(a.mul(a).neg()));
    }

    // erf(a) ≈ 1 − t·P(t)·e^(−a²), t = 1/(1 + p·a): the polynomial's coefficients, highest first
    private static final float ERF_P = 0.3275911f,
            A5 = 1.061405429f,
            A4 = -1.453152027f,
            A3 = 1.421413741f,
            A2 = -0.284496736f,
            A1 = 0.254829592f;
    private static final FloatVector V_A3 = FloatVector.broadcast(S, A3),
            V_A2 = FloatVector.broadcast(S, A2),
            V_A1 = FloatVector.broadcast(S, A1);

    private static final int SIGN_BIT = 0x80000000;

    /**
     * Φ(x) given a = |x/√2| and e = exp(−a²), which the backward pass also needs (φ = e/√2π). Fused
     * multiply-adds and a copied sign bit instead of a compare and blend: C2 stops inlining once a
     * method has grown past a node count, and with the blend's mask nodes the exact-GELU loops lost
     * their vector store to that cutoff, boxing a vector per iteration (2-3x slower, measured).
     */
    private static FloatVector phi(FloatVector x, FloatVector a, FloatVector e) {
        FloatVector t = V_ONE.div(a.fma(ERF_P, 1f));
        FloatVector poly = t.fma(A5, A4).fma(t, V_A3).fma(t, V_A2).fma(t, V_A1).mul(t);
        FloatVector erf = poly.neg().fma(e, V_ONE); // erf(|x|/√2)
        IntVector sign = ((IntVector) x.reinterpretAsInts()).and(SIGN_BIT);
        FloatVector signed =
                (FloatVector) ((IntVector) erf.reinterpretAsInts()).or(sign).reinterpretAsFloats();
        return signed.add(1f).mul(0.5f);
    }

    private static float phi(float x) {
        float a = Math.abs(x * INV_SQRT2);
        return phi(x, a, exp(-(a * a)));
    }

    private static float phi(float x, float a, float e) {
        float t = 1f / Math.fma(a, ERF_P, 1f);
        float poly = Math.fma(Math.fma(Math.fma(Math.fma(t, A5, A4), t, A3), t, A2), t, A1) * t;
        float erf = Math.fma(-poly, e, 1f);
        float signed =
                Float.intBitsToFloat(
                        Float.floatToRawIntBits(erf) | (Float.floatToRawIntBits(x) & SIGN_BIT));
        return (signed + 1f) * 0.5f;
    }

    // One entry point per variant (tanh/exact × training/inference), each a row loop around one
    // vector loop and one scalar tail: a method holding more got too big for the JIT to inline
    // its vector operations, and boxed vectors are ~5x slower.

    /**
     * Training, rows [from, to) of width w: x += bias (kept for backward), keep = σ(2u) unless keep
     * is null (the backward pass then recomputes it from x), y = x·σ(2u).
     */
    static void geluTanhTrain(
            ByteBuffer x, ByteBuffer bias, ByteBuffer y, ByteBuffer keep, int w, int from, int to) {
        for (int r = from; r < to; r++) {
            int base = r * w, vEnd = vectorEnd(base, w);
            tanhTrainVectors(x, bias, y, keep, base, vEnd);
            geluTail(false, true, x, bias, y, keep, base, vEnd, base + w);
        }
    }

    /** Inference: y = gelu(x + bias); nothing else is written. */
    static void geluTanhInfer(
            ByteBuffer x, ByteBuffer bias, ByteBuffer y, int w, int from, int to) {
        for (int r = from; r < to; r++) {
            int base = r * w, vEnd = vectorEnd(base, w);
            tanhInferVectors(x, bias, y, base, vEnd);
            geluTail(false, false, x, bias, y, null, base, vEnd, base + w);
        }
    }

    /** As {@link #geluTanhTrain} for exact GELU, keep = Φ(x), y = x·Φ(x). */
    static void geluExactTrain(
            ByteBuffer x, ByteBuffer bias, ByteBuffer y, ByteBuffer keep, int w, int from, int to) {
        for (int r = from; r < to; r++) {
            int base = r * w, vEnd = vectorEnd(base, w);
            exactTrainVectors(x, bias, y, keep, base, vEnd);
            geluTail(true, true, x, bias, y, keep, base, vEnd, base + w);
        }
    }

    /**
     * Inference (and the FFN's training pass, which recomputes): y = gelu(x + bias). Each row is
     * copied into a float[], computed there and copied out: exact GELU's math is large enough that
     * C2 stopped inlining at the ByteBuffer store (its node-count cutoff), boxing a vector per
     * iteration; array loads and stores cost C2 far fewer nodes (measured in the step's profile:
     * GELU's share against the GEMMs fell by a third). The row kernel is called through a handle
     * ({@link RowKernels}).
     */
    static void geluExactInfer(
            ByteBuffer x, ByteBuffer bias, ByteBuffer y, int w, int from, int to) {
        FloatBuffer fx = x.asFloatBuffer(), fy = y.asFloatBuffer();
        float[] xs = Rows.get(0, w), bs = Rows.get(1, w), ys = Rows.get(2, w);
        bias.asFloatBuffer().get(0, bs, 0, w);
        int vEnd = w - w % L;
        for (int r = from; r < to; r++) {
            fx.get(r * w, xs, 0, w);
            RowKernels.call(RowKernels.exactInfer, xs, bs, ys, vEnd);
            for (int i = vEnd; i < w; i++) {
                float v = xs[i] + bs[i];
                ys[i] = v * phi(v);
            }
            fy.put(r * w, ys, 0, w);
        }
    }

    /** ys = gelu(xs + bs) over whole vectors. */
    static void exactInferRow(float[] xs, float[] bs, float[] ys, int vEnd) {
        for (int i = 0; i < vEnd; i += L) {
            FloatVector v = FloatVector.fromArray(S, xs, i).add(FloatVector.fromArray(S, bs, i));
            v.mul(phi(v)).intoArray(ys, i);
        }
    }

    /** The scalar twin for a row's last elements [vEnd, end). */
    private static void geluTail(
            boolean exact,
            boolean train,
            ByteBuffer x,
            ByteBuffer bias,
            ByteBuffer y,
            ByteBuffer keep,
            int base,
            int vEnd,
            int end) {
        for (int i = vEnd; i < end; i++) {
            float v = f(x, i) + f(bias, i - base), k = exact ? phi(v) : sigmoidOf2u(v);
            if (train) put(x, i, v);
            if (keep != null) put(keep, i, k);
            put(y, i, v * k);
        }
    }

    private static void tanhTrainVectors(
            ByteBuffer x, ByteBuffer bias, ByteBuffer y, ByteBuffer keep, int base, int vEnd) {
        for (int i = base; i < vEnd; i += L) {
            FloatVector v = ld(x, i).add(ld(bias, i - base)), k = sigmoidOf2u(v);
            st(v, x, i);
            if (keep != null) st(k, keep, i);
            st(v.mul(k), y, i);
        }
    }

    private static void tanhInferVectors(
            ByteBuffer x, ByteBuffer bias, ByteBuffer y, int base, int vEnd) {
        for (int i = base; i < vEnd; i += L) {
            FloatVector v = ld(x, i).add(ld(bias, i - base));
            st(v.mul(sigmoidOf2u(v)), y, i);
        }
    }

    private static void exactTrainVectors(
            ByteBuffer x, ByteBuffer bias, ByteBuffer y, ByteBuffer keep, int base, int vEnd) {
        for (int i = base; i < vEnd; i += L) {
            FloatVector v = ld(x, i).add(ld(bias, i - base)), k = phi(v);
            st(v, x, i);
            if (keep != null) st(k, keep, i);
            st(v.mul(k), y, i);
        }
    }

    private static void exactInferVectors(
            ByteBuffer x, ByteBuffer bias, ByteBuffer y, int base, int vEnd) {
        for (int i = base; i < vEnd; i += L) {
            FloatVector v = ld(x, i).add(ld(bias, i - base));
            st(v.mul(phi(v)), y, i);
        }
    }

    /**
     * dx = dy·gelu'(v) with v = x + bias (bias null: v = x), for rows [from, to) of width w: exact,
     * gelu' = Φ(v) + v·φ(v); tanh, gelu' = σ + v·σ(1−σ)·2c(1 + 3k·v²) with σ = σ(2u). Φ or σ come
     * from keep, or are recomputed from v when keep is null. dx may alias dy. Rows are staged in
     * float[]s, like {@link #geluExactInfer}; on the ByteBuffers the tanh form ran at a third of
     * the forward pass's speed for 1.5x its memory traffic (measured on an FFN-sized array). Each
     * row's factor gelu'(v) is formed in ks by small row kernels ({@link RowKernels}), then
     * dy·factor.
     */
    static void geluBackward(
            boolean exact,
            ByteBuffer x,
            ByteBuffer bias,
            ByteBuffer keep,
            ByteBuffer dy,
            ByteBuffer dx,
            int w,
            int from,
            int to) {
        FloatBuffer fx = x.asFloatBuffer(), fdy = dy.asFloatBuffer(), fdx = dx.asFloatBuffer();
        FloatBuffer fk = keep == null ? null : keep.asFloatBuffer();
        float[] xs = Rows.get(0, w), bs = Rows.get(1, w), gs = Rows.get(2, w), ks = Rows.get(3, w);
        if (bias != null) bias.asFloatBuffer().get(0, bs, 0, w);
        else java.util.Arrays.fill(bs, 0, w, 0f);
        int vEnd = w - w % L;
        for (int r = from; r < to; r++) {
            fx.get(r * w, xs, 0, w);
            fdy.get(r * w, gs, 0, w);
            if (fk != null) fk.get(r * w, ks, 0, w);
            for (int i = vEnd; i < w; i++) {
                float v = xs[i] + bs[i];
                gs[i] *=
                        exact
                                ? exactDerivative(v, fk == null, ks[i])
                                : tanhDerivative(v, fk == null, ks[i]);
            }
            if (exact)
                RowKernels.call(
                        fk == null ? RowKernels.exactFactor : RowKernels.exactFactorKept,
                        xs,
                        bs,
                        ks,
                        vEnd);
            else {
                if (fk == null) RowKernels.call(RowKernels.tanhSigmoid, xs, bs, ks, vEnd);
                RowKernels.call(RowKernels.tanhFactorKept, xs, bs, ks, vEnd);
            }
            for (int i = 0; i < vEnd; i += L)
                FloatVector.fromArray(S, gs, i)
                        .mul(FloatVector.fromArray(S, ks, i))
                        .intoArray(gs, i);
            fdx.put(r * w, gs, 0, w);
        }
    }

    /** gelu'(v), tanh form; σ = σ(2u) recomputed, or {@code kept}. The vector twin's operations. */
    private static float tanhDerivative(float v, boolean recompute, float kept) {
        float s = recompute ? sigmoidOf2u(v) : kept;
        float du = ((v * v) * (3 * K) + 1f) * (2 * C);
        return (-s + 1f) * s * v * du + s;
    }

    /** gelu'(v), exact form; Φ(v) recomputed, or {@code kept}. The vector twin's operations. */
    private static float exactDerivative(float v, boolean recompute, float kept) {
        float a = Math.abs(v * INV_SQRT2), e = exp(-(a * a));
        return e * INV_SQRT_2PI * v + (recompute ? phi(v, a, e) : kept);
    }

    // The row kernels below write one row's factor into ks over whole vectors, v = x + b; each is
    // small enough for C2 to compile with all of its vector operations inlined (RowKernels).

    /** ks = σ(2u). */
    static void tanhSigmoidRow(float[] xs, float[] bs, float[] ks, int vEnd) {
        for (int i = 0; i < vEnd; i += L)
            sigmoidOf2u(FloatVector.fromArray(S, xs, i).add(FloatVector.fromArray(S, bs, i)))
                    .intoArray(ks, i);
    }

    /** ks = σ + v·σ(1−σ)·2c(1 + 3k·v²) with σ given in ks, in the scalar twin's order. */
    static void tanhFactorKeptRow(float[] xs, float[] bs, float[] ks, int vEnd) {
        for (int i = 0; i < vEnd; i += L) {
            FloatVector v = FloatVector.fromArray(S, xs, i).add(FloatVector.fromArray(S, bs, i));
            FloatVector s = FloatVector.fromArray(S, ks, i);
            FloatVector du = v.mul(v).mul(3 * K).add(1f).mul(2 * C);
            s.neg().add(1f).mul(s).mul(v).mul(du).add(s).intoArray(ks, i);
        }
    }

    /** ks = Φ(v) + v·φ(v); one exp serves φ and Φ. */
    static void exactFactorRow(float[] xs, float[] bs, float[] ks, int vEnd) {
        for (int i = 0; i < vEnd; i += L) {
            FloatVector v = FloatVector.fromArray(S, xs, i).add(FloatVector.fromArray(S, bs, i));
            FloatVector a = v.mul(INV_SQRT2).abs(), e = exp(a.mul(a).neg());
            e.mul(INV_SQRT_2PI).mul(v).add(phi(v, a, e)).intoArray(ks, i);
        }
    }

    /** ks = Φ(v) + v·φ(v) with Φ(v) given in ks. */
    static void exactFactorKeptRow(float[] xs, float[] bs, float[] ks, int vEnd) {
        for (int i = 0; i < vEnd; i += L) {
            FloatVector v = FloatVector.fromArray(S, xs, i).add(FloatVector.fromArray(S, bs, i));
            FloatVector a = v.mul(INV_SQRT2).abs(), e = exp(a.mul(a).neg());
            e.mul(INV_SQRT_2PI).mul(v).add(FloatVector.fromArray(S, ks, i)).intoArray(ks, i);
        }
    }

    // ---- bias rows ----

    /** out[r, :] = x[r, :] + row for rows [from, to) of width w. out may alias x. */
    static void addRow(ByteBuffer x, ByteBuffer row, ByteBuffer out, int w, int from, int to) {
        for (int r = from; r < to; r++) {
            int base = r * w, vEnd = vectorEnd(base, w), end = base + w;
            for (int i = base; i < vEnd; i += L) st(ld(x, i).add(ld(row, i - base)), out, i);
            for (int i = vEnd; i < end; i++) put(out, i, f(x, i) + f(row, i - base));
        }
    }

    /** out[r, :] = row for rows [from, to) of width w. */
    static void fillRows(ByteBuffer row, ByteBuffer out, int w, int from, int to) {
        for (int r = from; r < to; r++) {
            int base = r * w, vEnd = vectorEnd(base, w), end = base + w;
            for (int i = base; i < vEnd; i += L) st(ld(row, i - base), out, i);
            for (int i = vEnd; i < end; i++) put(out, i, f(row, i - base));
        }
    }

    // ---- LayerNorm ----

    /**
     * y = γ·x̂ + β, x̂ = (z − μ)/√(σ² + ε) with z = a (+ b, the residual, when b is not null), for
     * rows [from, to) of width h. Keeps x̂ and rstd = 1/√(σ² + ε) for the backward pass.
     */
    static void layerNormForward(
            ByteBuffer a,
            ByteBuffer b,
            ByteBuffer gamma,
            ByteBuffer beta,
            ByteBuffer y,
            ByteBuffer xhat,
            ByteBuffer rstd,
            int h,
            float eps,
            int from,
            int to) {
        for (int r = from; r < to; r++) {
            float total = b == null ? copyRow(a, xhat, r * h, h) : addRows(a, b, xhat, r * h, h);
            normalizeRow(total / h, gamma, beta, y, xhat, rstd, r, h, eps);
        }
    }

    /** x̂ row = a row; returns its sum. */
    private static float copyRow(ByteBuffer a, ByteBuffer xhat, int base, int h) {
        int vEnd = vectorEnd(base, h), end = base + h;
        FloatVector acc = FloatVector.zero(S);
        for (int i = base; i < vEnd; i += L) {
            FloatVector z = ld(a, i);
            st(z, xhat, i);
            acc = acc.add(z);
        }
        float s = sum(acc);
        for (int i = vEnd; i < end; i++) {
            float z = f(a, i);
            put(xhat, i, z);
            s += z;
        }
        return s;
    }

    /** x̂ row = a row + b row; returns its sum. */
    private static float addRows(ByteBuffer a, ByteBuffer b, ByteBuffer xhat, int base, int h) {
        int vEnd = vectorEnd(base, h), end = base + h;
        FloatVector acc = FloatVector.zero(S);
        for (int i = base; i < vEnd; i += L) {
            FloatVector z = ld(a, i).add(ld(b, i));
            st(z, xhat, i);
            acc = acc.add(z);
        }
        float s = sum(acc);
        for (int i = vEnd; i < end; i++) {
            float z = f(a, i) + f(b, i);
            put(xhat, i, z);
            s += z;
        }
        return s;
    }

    /** Row r of x̂ holds z with mean μ: writes x̂ = (z − μ)·rstd, rstd and y = γ·x̂ + β. */
    private static void normalizeRow(
            float mean,
            ByteBuffer gamma,
            ByteBuffer beta,
            ByteBuffer y,
            ByteBuffer xhat,
            ByteBuffer rstd,
            int r,
            int h,
            float eps) {
        int base = r * h, vEnd = vectorEnd(base, h), end = base + h;
        FloatVector acc = FloatVector.zero(S);
        for (int i = base; i < vEnd; i += L) {
            FloatVector d = ld(xhat, i).sub(mean);
            acc = acc.add(d.mul(d));
        }
        float sq = sum(acc);
        for (int i = vEnd; i < end; i++) {
            float d = f(xhat, i) - mean;
            sq += d * d;
        }
        float rs = (float) (1.0 / Math.sqrt(sq / h + eps));
        put(rstd, r, rs);
        for (int i = base; i < vEnd; i += L) {
            FloatVector xh = ld(xhat, i).sub(mean).mul(rs);
            st(xh, xhat, i);
            st(xh.mul(ld(gamma, i - base)).add(ld(beta, i - base)), y, i);
        }
        for (int i = vEnd; i < end; i++) {
            float xh = (f(xhat, i) - mean) * rs;
            put(xhat, i, xh);
            put(y, i, xh * f(gamma, i - base) + f(beta, i - base));
        }
    }

    /**
     * BERT's embeddings for tokens [from, to) of a [B, 2, T] input (row 0 token ids, row 1 type
     * ids, as floats): z = word[id] + type[typeId] + position[offset + j], then LayerNorm as above.
     * An id outside its table is an error naming the token, not a read past the table.
     */
    static void embeddingsForward(
            ByteBuffer tokens,
            int t,
            ByteBuffer word,
            int vocab,
            ByteBuffer position,
            int offset,
            ByteBuffer type,
            int types,
            ByteBuffer gamma,
            ByteBuffer beta,
            ByteBuffer y,
            ByteBuffer xhat,
            ByteBuffer rstd,
            int h,
            float eps,
            int from,
            int to) {
        for (int r = from; r < to; r++) {
            int b = r / t, j = r % t;
            float idf = f(tokens, b * 2 * t + j), typef = f(tokens, b * 2 * t + t + j);
            int id = (int) idf, tp = (int) typef;
            if (id != idf || id < 0 || id >= vocab)
                throw new IllegalArgumentException(
                        "token id "
                                + idf
                                + " at ["
                                + b
                                + ", "
                                + j
                                + "] is outside the vocabulary (size "
                                + vocab
                                + ")");
            if (tp != typef || tp < 0 || tp >= types)
                throw new IllegalArgumentException(
                        "token type "
                                + typef
                                + " at ["
                                + b
                                + ", "
                                + j
                                + "] is outside [0, "
                                + types
                                + ")");
            float total =
                    embedRow(
                            word, id * h, type, tp * h, position, (offset + j) * h, xhat, r * h, h);
            normalizeRow(total / h, gamma, beta, y, xhat, rstd, r, h, eps);
        }
    }

    /** x̂ row = (word row + type row) + position row, the unfused path's order; returns its sum. */
    private static float embedRow(
            ByteBuffer word,
            int w,
            ByteBuffer type,
            int ty,
            ByteBuffer position,
            int p,
            ByteBuffer xhat,
            int base,
            int h) {
        int vLen = h - h % L;
        FloatVector acc = FloatVector.zero(S);
        for (int k = 0; k < vLen; k += L) {
            FloatVector z = ld(word, w + k).add(ld(type, ty + k)).add(ld(position, p + k));
            st(z, xhat, base + k);
            acc = acc.add(z);
        }
        float s = sum(acc);
        for (int k = vLen; k < h; k++) {
            float z = f(word, w + k) + f(type, ty + k) + f(position, p + k);
            put(xhat, base + k, z);
            s += z;
        }
        return s;
    }

    /** dx = rstd·(g − mean(g) − x̂·mean(g·x̂)), g = dy·γ, for rows [from, to). dx may alias dy. */
    static void layerNormBackward(
            ByteBuffer dy,
            ByteBuffer xhat,
            ByteBuffer rstd,
            ByteBuffer gamma,
            ByteBuffer dx,
            int h,
            int from,
            int to) {
        for (int r = from; r < to; r++) {
            int base = r * h;
            float meanG = rowDot(dy, gamma, null, base, h) / h,
                    meanGx = rowDot(dy, gamma, xhat, base, h) / h;
            layerNormBackwardRow(dy, xhat, f(rstd, r), gamma, dx, meanG, meanGx, base, h);
        }
    }

    /** Σ_j dy_j·γ_j (·x̂_j when xhat is not null) over one row. */
    private static float rowDot(ByteBuffer dy, ByteBuffer gamma, ByteBuffer xhat, int base, int h) {
        int vEnd = vectorEnd(base, h), end = base + h;
        FloatVector acc = FloatVector.zero(S);
        for (int i = base; i < vEnd; i += L) {
            FloatVector g = ld(dy, i).mul(ld(gamma, i - base));
            acc = acc.add(xhat == null ? g : g.mul(ld(xhat, i)));
        }
        float s = sum(acc);
        for (int i = vEnd; i < end; i++) {
            float g = f(dy, i) * f(gamma, i - base);
            s += xhat == null ? g : g * f(xhat, i);
        }
        return s;
    }

    private static void layerNormBackwardRow(
            ByteBuffer dy,
            ByteBuffer xhat,
            float rs,
            ByteBuffer gamma,
            ByteBuffer dx,
            float meanG,
            float meanGx,
            int base,
            int h) {
        int vEnd = vectorEnd(base, h), end = base + h;
        for (int i = base; i < vEnd; i += L) {
            FloatVector g = ld(dy, i).mul(ld(gamma, i - base));
            st(g.sub(meanG).sub(ld(xhat, i).mul(meanGx)).mul(rs), dx, i);
        }
        for (int i = vEnd; i < end; i++) {
            float g = f(dy, i) * f(gamma, i - base);
            put(dx, i, (g - meanG - f(xhat, i) * meanGx) * rs);
        }
    }
}
