package org.adamix.model.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The Transformer's element-wise and row-wise float32 kernels, fused and SIMD-vectorised with the
 * JDK's Vector API over ND4J's off-heap buffers. Each is one pass where ND4J needs three to eight
 * (GELU, LayerNorm, masked softmax): measured 5-10x faster than the ND4J ops they replace.
 *
 * <p>Buffers are little ByteBuffers whose element 0 is the array's first element; offsets and
 * counts are in floats. Every element, tail included, goes through the same vector code (the tail
 * with a lane mask), so results do not depend on how rows are split across threads. Only
 * {@link Kernels} calls this class: loading it needs the jdk.incubator.vector module.
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

    // ---- loads and stores: full vectors, and a masked one for the tail ----

    private static FloatVector load(ByteBuffer b, int i, int end) {
        return i + L <= end ? FloatVector.fromByteBuffer(S, b, i * 4, O)
                : FloatVector.fromByteBuffer(S, b, i * 4, O, S.indexInRange(i, end));
    }

    private static void store(FloatVector v, ByteBuffer b, int i, int end) {
        if (i + L <= end) v.intoByteBuffer(b, i * 4, O);
        else v.intoByteBuffer(b, i * 4, O, S.indexInRange(i, end));
    }

    /** acc + v over the lanes inside [i, end): lanes past the end must not count in a row's sum. */
    private static FloatVector addIn(FloatVector acc, FloatVector v, int i, int end) {
        return i + L <= end ? acc.add(v) : acc.add(v, S.indexInRange(i, end));
    }

    // ---- GELU ----

    /**
     * Rows [from, to) of width w: x += bias (when bias is not null), y = gelu(x), and, when keep is
     * not null (training), keep = what the backward pass reuses: σ(2u) for the tanh form, Φ(x) for
     * the exact one. In inference x is left as it is and nothing but y is written.
     */
    static void geluForward(boolean exact, ByteBuffer x, ByteBuffer bias, ByteBuffer y, ByteBuffer keep, int w,
                            int from, int to) {
        for (int r = from; r < to; r++) {
            int base = r * w, end = base + w;
            for (int i = base; i < end; i += L) {
                FloatVector v = load(x, i, end);
                if (bias != null) {
                    v = v.add(load(bias, i - base, w));
                    if (keep != null) store(v, x, i, end);
                }
                FloatVector k = exact ? erf(v.mul(INV_SQRT2)).add(1f).mul(0.5f) : sigmoidOf2u(v);
                if (keep != null) store(k, keep, i, end);
                store(v.mul(k), y, i, end);
            }
        }
    }

    /** dx = dy·(σ + x·σ(1−σ)·2c(1 + 3k·x²)), σ = keep. dx may alias dy. */
    static void geluTanhBackward(ByteBuffer x, ByteBuffer keep, ByteBuffer dy, ByteBuffer dx, int from, int to) {
        for (int i = from; i < to; i += L) {
            FloatVector v = load(x, i, to), s = load(keep, i, to), g = load(dy, i, to);
            FloatVector du = v.mul(v).mul(3 * K).add(1f).mul(2 * C);
            FloatVector d = s.neg().add(1f).mul(s).mul(v).mul(du).add(s);
            store(g.mul(d), dx, i, to);
        }
    }

    /** dx = dy·(Φ(x) + x·φ(x)), Φ = keep. dx may alias dy. */
    static void geluExactBackward(ByteBuffer x, ByteBuffer keep, ByteBuffer dy, ByteBuffer dx, int from, int to) {
        for (int i = from; i < to; i += L) {
            FloatVector v = load(x, i, to), phi = load(keep, i, to), g = load(dy, i, to);
            FloatVector density = v.mul(v).mul(-0.5f).lanewise(VectorOperators.EXP).mul(INV_SQRT_2PI);
            store(g.mul(density.mul(v).add(phi)), dx, i, to);
        }
    }

    /** σ(2u) = 1 / (1 + exp(−2u)). */
    private static FloatVector sigmoidOf2u(FloatVector x) {
        FloatVector minus2u = x.mul(x).mul(K).add(1f).mul(x).mul(-2 * C);
        return FloatVector.broadcast(S, 1f).div(minus2u.lanewise(VectorOperators.EXP).add(1f));
    }

    /**
     * erf(z) by Abramowitz &amp; Stegun 7.1.26 (absolute error ≤ 1.5e-7, below float32 resolution
     * of Φ): the Vector API has no erf.
     */
    private static FloatVector erf(FloatVector z) {
        FloatVector a = z.abs();
        FloatVector t = a.mul(0.3275911f).add(1f);
        t = FloatVector.broadcast(S, 1f).div(t);
        FloatVector poly = t.mul(1.061405429f).add(-1.453152027f).mul(t).add(1.421413741f).mul(t)
                .add(-0.284496736f).mul(t).add(0.254829592f).mul(t);
        FloatVector e = FloatVector.broadcast(S, 1f).sub(poly.mul(a.mul(a).neg().lanewise(VectorOperators.EXP)));
        return e.blend(e.neg(), z.compare(VectorOperators.LT, 0f));
    }

    // ---- row and element-wise arithmetic ----

    /** out[r, :] = x[r, :] + row for rows [from, to) of width w. out may alias x. */
    static void addRow(ByteBuffer x, ByteBuffer row, ByteBuffer out, int w, int from, int to) {
        for (int r = from; r < to; r++) {
            int base = r * w;
            for (int j = 0; j < w; j += L) {
                int end = base + w;
                store(load(x, base + j, end).add(load(row, j, w)), out, base + j, end);
            }
        }
    }

    // ---- LayerNorm ----

    /**
     * y = γ·x̂ + β, x̂ = (z − μ)/√(σ² + ε) with z = a (+ b, the residual, when b is not null), for rows
     * [from, to) of width h. Keeps x̂ and rstd = 1/√(σ² + ε) for the backward pass.
     */
    static void layerNormForward(ByteBuffer a, ByteBuffer b, ByteBuffer gamma, ByteBuffer beta, ByteBuffer y,
                                 ByteBuffer xhat, ByteBuffer rstd, int h, float eps, int from, int to) {
        for (int r = from; r < to; r++) {
            int base = r * h, end = base + h;
            // x̂ first holds z, so the second pass reads it from cache.
            FloatVector sum = FloatVector.zero(S);
            for (int j = base; j < end; j += L) {
                FloatVector z = load(a, j, end);
                if (b != null) z = z.add(load(b, j, end));
                store(z, xhat, j, end);
                sum = addIn(sum, z, j, end);
            }
            float mean = sum.reduceLanes(VectorOperators.ADD) / h;
            FloatVector sq = FloatVector.zero(S);
            for (int j = base; j < end; j += L) {
                FloatVector d = load(xhat, j, end).sub(mean);
                sq = addIn(sq, d.mul(d), j, end);
            }
            float rs = (float) (1.0 / Math.sqrt(sq.reduceLanes(VectorOperators.ADD) / h + eps));
            rstd.putFloat(r * 4, rs);
            for (int j = base; j < end; j += L) {
                FloatVector xh = load(xhat, j, end).sub(mean).mul(rs);
                store(xh, xhat, j, end);
                store(xh.mul(load(gamma, j - base, h)).add(load(beta, j - base, h)), y, j, end);
            }
        }
    }

    /** dx = rstd·(g − mean(g) − x̂·mean(g·x̂)), g = dy·γ, for rows [from, to). dx may alias dy. */
    static void layerNormBackward(ByteBuffer dy, ByteBuffer xhat, ByteBuffer rstd, ByteBuffer gamma, ByteBuffer dx,
                                  int h, int from, int to) {
        for (int r = from; r < to; r++) {
            int base = r * h, end = base + h;
            FloatVector sg = FloatVector.zero(S), sgx = FloatVector.zero(S);
            for (int j = base; j < end; j += L) {
                FloatVector g = load(dy, j, end).mul(load(gamma, j - base, h));
                sg = addIn(sg, g, j, end);
                sgx = addIn(sgx, g.mul(load(xhat, j, end)), j, end);
            }
            float meanG = sg.reduceLanes(VectorOperators.ADD) / h, meanGx = sgx.reduceLanes(VectorOperators.ADD) / h;
            float rs = rstd.getFloat(r * 4);
            for (int j = base; j < end; j += L) {
                FloatVector g = load(dy, j, end).mul(load(gamma, j - base, h));
                store(g.sub(meanG).sub(load(xhat, j, end).mul(meanGx)).mul(rs), dx, j, end);
            }
        }
    }

    // ---- attention softmax ----

    /**
     * In place over rows [from, to) of width t: p = softmax(s + bias[r / rowsPerBias]) (bias may be
     * null). The attention mask enters as an additive bias per batch element.
     */
    static void softmaxForward(ByteBuffer s, ByteBuffer bias, int rowsPerBias, int t, int from, int to) {
        for (int r = from; r < to; r++) {
            int base = r * t, end = base + t, bBase = bias == null ? 0 : (r / rowsPerBias) * t;
            FloatVector max = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            for (int j = base; j < end; j += L) {
                FloatVector v = load(s, j, end);
                if (bias != null) v = v.add(load(bias, bBase + j - base, bBase + t));
                store(v, s, j, end);
                max = j + L <= end ? max.max(v) : max.max(v.blend(Float.NEGATIVE_INFINITY, S.indexInRange(j, end).not()));
            }
            float m = max.reduceLanes(VectorOperators.MAX);
            FloatVector sum = FloatVector.zero(S);
            for (int j = base; j < end; j += L) {
                FloatVector e = load(s, j, end).sub(m).lanewise(VectorOperators.EXP);
                store(e, s, j, end);
                sum = addIn(sum, e, j, end);
            }
            float inv = 1f / sum.reduceLanes(VectorOperators.ADD);
            for (int j = base; j < end; j += L) store(load(s, j, end).mul(inv), s, j, end);
        }
    }

    /** ds = p ⊙ (dp − Σ_j dp_j p_j) for rows [from, to) of width t. ds may alias dp. */
    static void softmaxBackward(ByteBuffer p, ByteBuffer dp, ByteBuffer ds, int t, int from, int to) {
        for (int r = from; r < to; r++) {
            int base = r * t, end = base + t;
            FloatVector dot = FloatVector.zero(S);
            for (int j = base; j < end; j += L) dot = addIn(dot, load(p, j, end).mul(load(dp, j, end)), j, end);
            float d = dot.reduceLanes(VectorOperators.ADD);
            for (int j = base; j < end; j += L) {
                FloatVector pv = load(p, j, end);
                store(load(dp, j, end).sub(d).mul(pv), ds, j, end);
            }
        }
    }
}
