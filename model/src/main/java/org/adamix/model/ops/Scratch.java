package org.adamix.model.ops;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Named, reusable buffers of one layer. A slot grows to the largest size ever asked for and then
 * hands out views of its first elements, so batches of varying length never reallocate once the
 * longest has been seen. Slots live as long as the layer: forward values saved for the backward
 * pass stay valid until the next forward pass.
 */
public final class Scratch {
    private final DataType dataType;
    private final Map<String, Slot> slots = new HashMap<>();

    private static final class Slot {
        INDArray buffer;
        /** Views by shape: some slots are asked for in several shapes, and a view costs a native call. */
        final Map<List<Long>, INDArray> views = new HashMap<>();
        long[] lastShape;
        INDArray lastView;
    }

    public Scratch(DataType dataType) {
        this.dataType = dataType;
    }

    public DataType dataType() {
        return dataType;
    }

    /** A c-ordered array of the given shape backed by slot {@code name}; contents are unspecified. */
    public INDArray get(String name, long... shape) {
        Slot s = slots.computeIfAbsent(name, k -> new Slot());
        if (s.lastView != null && Arrays.equals(s.lastShape, shape)) return s.lastView;
        long n = 1;
        for (long d : shape) n *= d;
        if (s.buffer == null || s.buffer.length() < n) {
            s.buffer = Nd4j.createUninitialized(dataType, Math.max(n, 1));
            s.views.clear();
        }
        List<Long> key = Arrays.stream(shape).boxed().toList();
        INDArray view = s.views.get(key);
        if (view == null) {
            view = Nd4j.create(s.buffer.data(), shape, Nd4j.getStrides(shape, 'c'), 0, 'c', dataType);
            s.views.put(key, view);
        }
        s.lastShape = shape.clone();
        s.lastView = view;
        return view;
    }

    /** Like {@link #get} but zero-filled. */
    public INDArray zeros(String name, long... shape) {
        INDArray a = get(name, shape);
        a.assign(0);
        return a;
    }

    /** Bytes held by all slots (for the benchmark's memory column). */
    public long bytes() {
        long b = 0;
        for (Slot s : slots.values()) if (s.buffer != null) b += s.buffer.length() * dataType.width();
        return b;
    }
}
