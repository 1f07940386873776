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
 * meant. A scratch buffer ({@link Buffers#scratch}) may share its storage with the same role in the
 * model's other layers of the same kind.
 */
public final class Buffer {
    private final DataType dataType;
    private Storage storage = new Storage();
    private boolean shared;

    Buffer(DataType dataType) {
        this.dataType = dataType;
    }

    /** A c-ordered array of the given shape; contents are whatever was written last. */
    public INDArray get(long... shape) {
        return storage.get(dataType, shape);
    }

    /** Like {@link #get} but zero-filled. */
    public INDArray zeros(long... shape) {
        INDArray a = get(shape);
        a.assign(0);
        return a;
    }

    /** From now on this buffer is {@code owner}'s storage (views included, so growth is seen). */
    void shareStorageOf(Buffer owner) {
        if (owner.dataType != dataType) throw new IllegalArgumentException("data types differ");
        storage = owner.storage;
        shared = true;
    }

    boolean shared() {
        return shared;
    }

    public long bytes() {
        return storage.array == null ? 0 : storage.array.length() * dataType.width();
    }

    /** The array and its views by shape (a view costs a native call, and some shapes recur). */
    private static final class Storage {
        INDArray array;
        final Map<List<Long>, INDArray> views = new HashMap<>();
        long[] lastShape;
        INDArray lastView;

        INDArray get(DataType dataType, long[] shape) {
            if (lastView != null && Arrays.equals(lastShape, shape)) return lastView;
            long n = 1;
            for (long d : shape) n *= d;
            if (array == null || array.length() < n) {
                // freed now, not when the collector gets to it: a 1 GB heap may not collect for
                // many steps, and the outgrown arrays of every layer would stay resident
                if (array != null && array.closeable()) array.close();
                array = Nd4j.createUninitialized(dataType, Math.max(n, 1));
                views.clear();
            }
            List<Long> key = Arrays.stream(shape).boxed().toList();
            INDArray view = views.get(key);
            if (view == null) {
                view =
                        Nd4j.create(
                                array.data(), shape, Nd4j.getStrides(shape, 'c'), 0, 'c', dataType);
                views.put(key, view);
            }
            lastShape = shape.clone();
            lastView = view;
            return view;
        }
    }
}
