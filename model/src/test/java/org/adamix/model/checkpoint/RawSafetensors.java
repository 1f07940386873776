package org.adamix.model.checkpoint;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Hand-made safetensors files for tests: any dtype, any header text, written byte by byte without
 * going through the code under test.
 */
final class RawSafetensors {

    record Tensor(String dtype, long[] shape, byte[] data) {}

    private final Map<String, Tensor> tensors = new LinkedHashMap<>();

    RawSafetensors add(String name, String dtype, long[] shape, byte[] data) {
        tensors.put(name, new Tensor(dtype, shape, data));
        return this;
    }

    RawSafetensors addF32(String name, long[] shape, float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) b.putFloat(v);
        return add(name, "F32", shape, b.array());
    }

    /** Header JSON as the format specifies, offsets in insertion order. */
    String header() {
        StringBuilder sb = new StringBuilder("{");
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            if (sb.length() > 1) sb.append(',');
            Tensor t = e.getValue();
            String shape =
                    Arrays.stream(t.shape())
                            .mapToObj(Long::toString)
                            .collect(Collectors.joining(","));
            sb.append('"')
                    .append(e.getKey())
                    .append("\":{\"dtype\":\"")
                    .append(t.dtype())
                    .append("\",\"shape\":[")
                    .append(shape)
                    .append("],\"data_offsets\":[")
                    .append(offset)
                    .append(',')
                    .append(offset + t.data().length)
                    .append("]}");
            offset += t.data().length;
        }
        return sb.append('}').toString();
    }

    byte[] data() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Tensor t : tensors.values()) out.writeBytes(t.data());
        return out.toByteArray();
    }

    void write(Path file) throws IOException {
        Files.write(file, file(header(), data()));
    }

    /** A whole file from a header text and a data section. */
    static byte[] file(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b =
                ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        return b.array();
    }

    static byte[] shortsLe(int... values) {
        ByteBuffer b = ByteBuffer.allocate(2 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) b.putShort((short) v);
        return b.array();
    }

    static byte[] doublesLe(double... values) {
        ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : values) b.putDouble(v);
        return b.array();
    }

    static byte[] longsLe(long... values) {
        ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) b.putLong(v);
        return b.array();
    }

    static byte[] floatsLe(float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) b.putFloat(v);
        return b.array();
    }

    /** Writes a backbone's tensors under other names (e.g. with a task prefix) as F32. */
    static RawSafetensors of(
            Map<String, org.nd4j.linalg.api.ndarray.INDArray> tensors,
            java.util.function.UnaryOperator<String> rename) {
        RawSafetensors r = new RawSafetensors();
        tensors.forEach(
                (name, t) ->
                        r.add(rename.apply(name), "F32", t.shape(), floatsLe(Float32.toFloats(t))));
        return r;
    }
}
