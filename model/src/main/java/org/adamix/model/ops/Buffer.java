package org.adamix.model.ops;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One reusable array of a layer. It grows to the largest size ever asked for and then hands out
 * views of its first elements, so batches of varying length never reallocate once the longest has
 * been seen. A layer keeps what its backward pass needs in Buffer fields: the forward values stay
 * valid until the next forward pass, and the compiler, not a string key, says which buffer is
 * meant.
 */
public final class Buffer {
    private final DataType dataType;
    private INDArray storage;

    /**
     * Views by shape: some buffers are asked for in several shapes, and a view costs a native call.
     */
    private final Map<List<Long>, INDArray> views = new HashMap<>();

    private long[] lastShape;
    private INDArray lastView;

    Buffer(DataType dataType) {
        this.dataType = dataType;
    }

    /** A c-ordered array of the given shape; contents are whatever was written last. */
    public INDArray get(long... shape) {
        if (lastView != null && Arrays.equals(lastShape, shape)) return lastView;
        long n = 1;
        for (long d : shape) n *= d;
        if (storage == null || storage.length() < n) {
            storage = Nd4j.createUninitialized(dataType, Math.max(n, 1));
            views.clear();
        }
        List<Long> key = Arrays.stream(shape).boxed().toList();
        INDArray view = views.get(key);
        if (view == null) {
            view =
                    Nd4j.create(
                            storage.data(), shape, Nd4j.getStrides(shape, 'c'), 0, 'c', dataType);
            views.put(key, view);
        }
        lastShape = shape.clone();
        lastView = view;
        return view;
    }

    /** Like {@link #get} but zero-filled. */
    public INDArray zeros(long... shape) {
        INDArray a = get(shape);
        a.assign(0);
        return a;
    }

    public long bytes() {
        return storage == null ? 0 : storage.length() * dataType.width();
    }
}
