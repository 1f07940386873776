package org.adamix.model.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * SHA-256 identity of a set of weights, independent of the file format they came from. Tensors are
 * taken in sorted name order; each contributes its UTF-8 name, a 0 byte, its rank and dimensions
 * (int64 little-endian) and its float32 elements in C order (little-endian). The shape is included
 * so that a reshaped tensor does not collide with the original.
 */
public final class TensorChecksum {

    private TensorChecksum() {}

    public static String sha256(Map<String, INDArray> tensors) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
        for (Map.Entry<String, INDArray> e : new TreeMap<>(tensors).entrySet()) {
            md.update(e.getKey().getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
            long[] shape = e.getValue().shape();
            ByteBuffer dims =
                    ByteBuffer.allocate(8 * (shape.length + 1)).order(ByteOrder.LITTLE_ENDIAN);
            dims.putLong(shape.length);
            for (long d : shape) dims.putLong(d);
            md.update(dims.array());
            float[] data = Float32.toFloats(e.getValue());
            ByteBuffer bytes = ByteBuffer.allocate(4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
            bytes.asFloatBuffer().put(data);
            md.update(bytes.array());
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
