package org.adamix.model.ops;

import java.lang.ref.Cleaner;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.indexer.DoubleIndexer;
import org.bytedeco.javacpp.indexer.FloatIndexer;
import org.nd4j.linalg.api.buffer.DataBuffer;
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
        long capacity;
        Cleaner.Cleanable memory;
        final Map<List<Long>, INDArray> views = new HashMap<>();
        long[] lastShape;
        INDArray lastView;

        INDArray get(DataType dataType, long[] shape) {
            if (lastView != null && Arrays.equals(lastShape, shape)) return lastView;
            long n = 1;
            for (long d : shape) n *= d;
            if (array == null || capacity < n) {
                // batches of varying length grow a buffer many times: half again as much each
                // time makes that a few times, and costs no memory until written (untouched)
                long size = array == null ? Math.max(n, 1) : Math.max(n, capacity * 3 / 2);
                release();
                allocate(dataType, size);
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

        /**
         * On the CPU the memory is malloc'ed here, not by ND4J: ND4J zero-fills every new array
         * (measured: 12 % of a run with varying lengths went to that memset), which makes every
         * page of it resident at once; memory that is only allocated becomes resident page by page
         * as it is written. Like ND4J's own, it is not counted against JavaCPP's maxbytes, and it
         * is freed on growth or when no array uses it any more.
         */
        private void allocate(DataType dataType, long size) {
            capacity = size;
            if (!Nd4j.getEnvironment().isCPU()
                    || (dataType != DataType.FLOAT && dataType != DataType.DOUBLE)) {
                array = Nd4j.createUninitialized(dataType, size);
                return;
            }
            Pointer raw = Pointer.malloc(size * dataType.width());
            if (raw == null || raw.isNull())
                throw new OutOfMemoryError("malloc of " + size * dataType.width() + " bytes");
            DataBuffer data;
            if (dataType == DataType.FLOAT) {
                FloatPointer p = new FloatPointer(raw).capacity(size);
                data = Nd4j.createBuffer(p, dataType, size, FloatIndexer.create(p));
            } else {
                DoublePointer p = new DoublePointer(raw).capacity(size);
                data = Nd4j.createBuffer(p, dataType, size, DoubleIndexer.create(p));
            }
            array = Nd4j.create(data, new long[] {size});
            memory = CLEANER.register(data, new Free(raw));
        }

        /**
         * Frees the outgrown memory now, not when the collector gets to it: a 1 GB heap may not
         * collect for many steps, and the outgrown arrays of every layer would stay resident.
         */
        private void release() {
            if (array != null && array.closeable()) array.close();
            if (memory != null) memory.clean();
            array = null;
            memory = null;
        }
    }

    private static final Cleaner CLEANER = Cleaner.create();

    /**
     * free() of the malloc'ed memory, once. It holds the bare pointer, which is not the arrays' own
     * (they wrap a FloatPointer or DoublePointer of the same address), so it keeps none alive.
     */
    private record Free(Pointer memory) implements Runnable {
        @Override
        public void run() {
            Pointer.free(memory);
        }
    }
}
