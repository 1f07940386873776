package org.adamix.datasets;

import java.nio.charset.StandardCharsets;

/**
 * Deterministic assignment of examples to shards from their stable ids ({@link Example#id()}), so
 * each example lands in exactly one shard, the same in every run, on every JVM, whichever reader
 * reads it.
 *
 * <p>The hash is FNV-1a (64 bit) over the seed's 8 bytes (big-endian) followed by the id's UTF-8
 * bytes, then the SplitMix64 finalizer to spread FNV's weak low bits; the shard is that value taken
 * as unsigned, modulo the number of shards. Written out here rather than taken from a library so it
 * can never change under us.
 */
public final class Sharding {
    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private Sharding() {}

    /** The shard, in [0, numShards), of the example with this id. */
    public static int shardOf(String exampleId, long seed, int numShards) {
        if (numShards <= 0) {
            throw new IllegalArgumentException("number of shards must be > 0, got " + numShards);
        }
        return (int) Long.remainderUnsigned(hash(exampleId, seed), numShards);
    }

    /** The 64-bit hash behind {@link #shardOf}. */
    public static long hash(String exampleId, long seed) {
        long h = FNV_OFFSET;
        for (int shift = 56; shift >= 0; shift -= 8) {
            h = (h ^ ((seed >>> shift) & 0xff)) * FNV_PRIME;
        }
        for (byte b : exampleId.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * FNV_PRIME;
        }
        return mix(h);
    }

    /** SplitMix64's finalizer. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
