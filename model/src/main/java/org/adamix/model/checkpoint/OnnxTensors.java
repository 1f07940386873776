package org.adamix.model.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import onnx.Onnx.TensorProto;
import onnx.Onnx.TensorProto.DataType;

/**
 * Values of ONNX TensorProtos (initializers and Constant attributes): floats as float32, integers
 * as longs.
 */
final class OnnxTensors {

    private OnnxTensors() {}

    static long[] shape(TensorProto t) {
        return t.getDimsList().stream().mapToLong(Long::longValue).toArray();
    }

    static boolean isFloat(TensorProto t) {
        int dt = t.getDataType();
        return dt == DataType.FLOAT_VALUE
                || dt == DataType.FLOAT16_VALUE
                || dt == DataType.BFLOAT16_VALUE
                || dt == DataType.DOUBLE_VALUE;
    }

    static String typeName(TensorProto t) {
        DataType dt = DataType.forNumber(t.getDataType());
        return dt == null ? "data type " + t.getDataType() : dt.name();
    }

    /**
     * The elements of a float-typed tensor (FLOAT, FLOAT16, BFLOAT16, DOUBLE) as float32, C order.
     */
    static float[] floats(Path file, TensorProto t, String tensorName) throws CheckpointException {
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL)
            throw new CheckpointException(
                    file,
                    tensorName,
                    "stores its data in an external file, which is not supported");
        long numel = Float32.numel(shape(t));
        if (numel < 0 || numel > Integer.MAX_VALUE - 8)
            throw new CheckpointException(
                    file, tensorName, "has an unusable shape " + Arrays.toString(shape(t)));
        int n = (int) numel;
        float[] out = new float[n];
        ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        boolean hasRaw = raw.remaining() > 0;
        int found;
        switch (t.getDataType()) {
            case DataType.FLOAT_VALUE -> {
                found = hasRaw ? raw.remaining() / 4 : t.getFloatDataCount();
                if (found == n && hasRaw) raw.asFloatBuffer().get(out);
                else if (found == n) for (int i = 0; i < n; i++) out[i] = t.getFloatData(i);
            }
            case DataType.DOUBLE_VALUE -> {
                found = hasRaw ? raw.remaining() / 8 : t.getDoubleDataCount();
                if (found == n)
                    for (int i = 0; i < n; i++)
                        out[i] = (float) (hasRaw ? raw.getDouble() : t.getDoubleData(i));
            }
            case DataType.FLOAT16_VALUE, DataType.BFLOAT16_VALUE -> {
                // without raw_data, 16-bit values sit in the low bits of int32_data
                found = hasRaw ? raw.remaining() / 2 : t.getInt32DataCount();
                boolean f16 = t.getDataType() == DataType.FLOAT16_VALUE;
                if (found == n)
                    for (int i = 0; i < n; i++) {
                        int bits = hasRaw ? raw.getShort() : t.getInt32Data(i);
                        out[i] = f16 ? HalfFloats.f16ToFloat(bits) : HalfFloats.bf16ToFloat(bits);
                    }
            }
            default ->
                    throw new CheckpointException(
                            file,
                            tensorName,
                            "has ONNX type " + typeName(t) + ", expected a float type");
        }
        if (found != n)
            throw new CheckpointException(
                    file,
                    tensorName,
                    "holds "
                            + found
                            + " values but its shape "
                            + Arrays.toString(shape(t))
                            + " needs "
                            + n);
        return out;
    }

    /** The elements of an integer tensor (INT64, INT32), or null when it is not one. */
    static long[] longs(TensorProto t) {
        ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        if (t.getDataType() == DataType.INT64_VALUE) {
            if (raw.remaining() == 0)
                return t.getInt64DataList().stream().mapToLong(Long::longValue).toArray();
            long[] out = new long[raw.remaining() / 8];
            raw.asLongBuffer().get(out);
            return out;
        }
        if (t.getDataType() == DataType.INT32_VALUE) {
            if (raw.remaining() == 0)
                return t.getInt32DataList().stream().mapToLong(Integer::longValue).toArray();
            long[] out = new long[raw.remaining() / 4];
            for (int i = 0; i < out.length; i++) out[i] = raw.getInt();
            return out;
        }
        return null;
    }
}
