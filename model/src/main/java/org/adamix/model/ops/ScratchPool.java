package org.adamix.model.ops;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The temporaries of one model, shared by its layers of a kind (see {@link Buffers#share}). One
 * pool per model: two models training on two threads must not share one.
 */
public final class ScratchPool {
    private final Map<String, List<Buffer>> byKind = new HashMap<>();

    Buffer buffer(String kind, int index, DataType dataType) {
        List<Buffer> list = byKind.computeIfAbsent(kind, k -> new ArrayList<>());
        while (list.size() <= index) list.add(new Buffer(dataType));
        return list.get(index);
    }

    public long bytes() {
        long sum = 0;
        for (List<Buffer> list : byKind.values()) for (Buffer b : list) sum += b.bytes();
        return sum;
    }
}
