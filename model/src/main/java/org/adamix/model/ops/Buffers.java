package org.adamix.model.ops;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;

/** Makes a layer's {@link Buffer}s and counts their bytes (the benchmark's memory column). */
public final class Buffers {
    private final DataType dataType;
    private final List<Buffer> made = new ArrayList<>();

    public Buffers(DataType dataType) {
        this.dataType = dataType;
    }

    public Buffer next() {
        Buffer b = new Buffer(dataType);
        made.add(b);
        return b;
    }

    public DataType dataType() {
        return dataType;
    }

    public long bytes() {
        long sum = 0;
        for (Buffer b : made) sum += b.bytes();
        return sum;
    }
}
