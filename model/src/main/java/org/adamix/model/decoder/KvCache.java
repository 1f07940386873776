package org.adamix.model.decoder;

import java.util.Arrays;
import org.adamix.model.ops.Buffer;
import org.adamix.model.ops.Buffers;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The keys and values every block has computed so far, so that decoding one more token runs the
 * network on that token only. Per layer K and V are [batch, capacity, n_embd] (row t of sequence b
 * at b·capacity + t, heads side by side in the columns, as the projections write them); columns [0,
 * length) are filled. Beside them: which columns are real tokens (padding is never attended to) and
 * how many real tokens each sequence has seen, which is the position of its next one.
 *
 * <p>{@link #reset} sizes the cache for a batch; its arrays are {@link Buffer}s, so decoding
 * allocates nothing once the largest batch × capacity has been seen.
 */
public final class KvCache {
    private final int hidden;
    private final Buffer[] keys, values;

    /** Where {@link #reorder} gathers one layer's K or V before swapping it in. */
    private Buffer scratch;

    private int batch, capacity, length;

    /** valid[b·capacity + t]: column t of sequence b is a token, not padding. */
    private boolean[] valid = new boolean[0];

    /** Real tokens seen per sequence: the next one's position. */
    private int[] seen = new int[0];

    KvCache(Gpt2Config config, Buffers buffers) {
        hidden = config.hiddenSize();
        keys = new Buffer[config.numLayers()];
        values = new Buffer[config.numLayers()];
        for (int l = 0; l < keys.length; l++) {
            keys[l] = buffers.next();
            values[l] = buffers.next();
        }
        scratch = buffers.next();
    }

    /** Empties the cache for {@code batch} sequences of at most {@code capacity} columns each. */
    public void reset(int batch, int capacity) {
        if (batch <= 0 || capacity <= 0)
            throw new IllegalArgumentException(
                    "batch and capacity must be positive, found " + batch + ", " + capacity);
        this.batch = batch;
        this.capacity = capacity;
        length = 0;
        if (valid.length < batch * capacity) valid = new boolean[batch * capacity];
        if (seen.length < batch) seen = new int[batch];
        Arrays.fill(seen, 0, batch, 0);
        // sized here, so that no later get() regrows (and clears) them
        for (int l = 0; l < keys.length; l++) {
            keys[l].get(batch, capacity, hidden);
            values[l].get(batch, capacity, hidden);
        }
    }

    public int batch() {
        return batch;
    }

    public int capacity() {
        return capacity;
    }

    /** Columns filled so far. */
    public int length() {
        return length;
    }

    /** Layer {@code layer}'s keys [batch, capacity, n_embd]. */
    INDArray keys(int layer) {
        return keys[layer].get(batch, capacity, hidden);
    }

    INDArray values(int layer) {
        return values[layer].get(batch, capacity, hidden);
    }

    boolean valid(int b, int column) {
        return valid[b * capacity + column];
    }

    /**
     * Marks the next {@code t} columns (mask[b·t + i] != 0: a token; mask null: all tokens) and
     * writes each token's position into {@code positions} (padding gets 0: it is embedded but never
     * attended to).
     */
    void admit(int[] mask, int t, int[] positions, int maxPositions) {
        if (length + t > capacity)
            throw new IllegalStateException(
                    "KV cache full: " + length + " + " + t + " columns > capacity " + capacity);
        // checked first: a refused call leaves the cache as it was
        for (int b = 0; b < batch; b++) {
            int tokens = 0;
            for (int i = 0; i < t; i++) if (mask == null || mask[b * t + i] != 0) tokens++;
            if (seen[b] + tokens > maxPositions)
                throw new IllegalArgumentException(
                        "sequence " + b + " is longer than n_positions " + maxPositions);
        }
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < t; i++) {
                boolean token = mask == null || mask[b * t + i] != 0;
                valid[b * capacity + length + i] = token;
                positions[b * t + i] = token ? seen[b]++ : 0;
            }
        }
    }

    /**
     * Copies this call's K and V [batch·t, n_embd] of {@code layer} to columns length.. — element
     * by element through the data buffers: per-sequence row views cost more than the copy at t = 1.
     */
    void write(int layer, INDArray k, INDArray v, int t) {
        copyRows(k, keys(layer).data(), t);
        copyRows(v, values(layer).data(), t);
    }

    private void copyRows(INDArray from, DataBuffer to, int t) {
        DataBuffer src = from.data(); // a view's data() starts at its first element
        long width = (long) t * hidden;
        for (int b = 0; b < batch; b++) {
            long s = b * width, d = ((long) b * capacity + length) * hidden;
            for (long j = 0; j < width; j++) to.put(d + j, src.getDouble(s + j));
        }
    }

    /**
     * Beam search's reordering: sequence b of the new batch is old sequence {@code from[b]} (its
     * keys, values, padding and position), so surviving beams keep their past and a beam chosen
     * twice is copied. The batch becomes {@code from.length}; the capacity stays.
     */
    public void reorder(int[] from) {
        if (from.length == 0) throw new IllegalArgumentException("empty reorder");
        for (int b : from)
            if (b < 0 || b >= batch)
                throw new IllegalArgumentException("row " + b + " outside the batch of " + batch);
        int rows = from.length;
        for (Buffer[] kv : new Buffer[][] {keys, values}) {
            for (int l = 0; l < kv.length; l++) {
                INDArray old = kv[l].get(batch, capacity, hidden);
                INDArray gathered = scratch.get(rows, capacity, hidden);
                // one native gather of whole sequences: per-row views cost more than the copy
                Nd4j.pullRows(
                        old.reshape(batch, (long) capacity * hidden),
                        gathered.reshape(rows, (long) capacity * hidden),
                        1,
                        from);
                // the gathered copy becomes the layer's array; the old one is the next scratch
                Buffer swap = kv[l];
                kv[l] = scratch;
                scratch = swap;
            }
        }
        boolean[] newValid = new boolean[Math.max(valid.length, rows * capacity)];
        int[] newSeen = new int[Math.max(seen.length, rows)];
        for (int b = 0; b < rows; b++) {
            System.arraycopy(valid, from[b] * capacity, newValid, b * capacity, length);
            newSeen[b] = seen[from[b]];
        }
        valid = newValid;
        seen = newSeen;
        batch = rows;
    }

    /** After every layer has written: the t columns become part of the past. */
    void advance(int t) {
        length += t;
    }
}
