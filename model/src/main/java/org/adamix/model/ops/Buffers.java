package org.adamix.model.ops;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Makes a layer's {@link Buffer}s and counts their bytes (the benchmark's memory column). Three
 * kinds: {@link #output} for the layer's output (the next layer keeps it as its input), {@link
 * #next} for what the forward pass saves for the backward pass, and {@link #scratch} for
 * temporaries valid only within one forward or one backward call. Layers run one at a time, so once
 * {@link #share} has been called the k-th scratch buffer of every layer of a kind is one array: the
 * model holds one layer's temporaries instead of one per layer. With activation recomputation
 * ({@link #shareSaved}) the saved buffers are shared the same way, since a layer then runs its
 * forward pass again right before its backward pass.
 */
public final class Buffers {
    private final DataType dataType;
    private final List<Buffer> outputs = new ArrayList<>();
    private final List<Buffer> saved = new ArrayList<>();
    private final List<Buffer> scratch = new ArrayList<>();
    private ScratchPool scratchPool, savedPool;
    private String kind;

    public Buffers(DataType dataType) {
        this.dataType = dataType;
    }

    /** The layer's output: its own, always. */
    public Buffer output() {
        return add(outputs, null, "");
    }

    /** Saved by the forward pass for the backward pass. */
    public Buffer next() {
        return add(saved, savedPool, "/saved");
    }

    /** A temporary: its contents must not be read after the forward or backward call ends. */
    public Buffer scratch() {
        return add(scratch, scratchPool, "");
    }

    private Buffer add(List<Buffer> list, ScratchPool pool, String suffix) {
        Buffer b = new Buffer(dataType);
        if (pool != null) b.shareStorageOf(pool.buffer(kind + suffix, list.size(), dataType));
        list.add(b);
        return b;
    }

    /**
     * The scratch buffers made so far and from now on use {@code pool}'s buffers of {@code kind},
     * by position; every layer sharing a kind must run its calls one at a time.
     */
    public void share(ScratchPool pool, String kind) {
        this.scratchPool = pool;
        this.kind = kind;
        for (int i = 0; i < scratch.size(); i++)
            scratch.get(i).shareStorageOf(pool.buffer(kind, i, dataType));
    }

    /**
     * The saved buffers made so far and from now on use {@code pool}'s buffers too: for layers that
     * recompute their forward pass right before their backward pass (after {@link #share}).
     */
    public void shareSaved(ScratchPool pool) {
        if (kind == null) throw new IllegalStateException("share the scratch buffers first");
        this.savedPool = pool;
        for (int i = 0; i < saved.size(); i++)
            saved.get(i).shareStorageOf(pool.buffer(kind + "/saved", i, dataType));
    }

    public DataType dataType() {
        return dataType;
    }

    /** Bytes of this layer's own buffers (shared ones count in their pool). */
    public long bytes() {
        long sum = 0;
        for (List<Buffer> list : List.of(outputs, saved, scratch))
            for (Buffer b : list) if (!b.shared()) sum += b.bytes();
        return sum;
    }
}
