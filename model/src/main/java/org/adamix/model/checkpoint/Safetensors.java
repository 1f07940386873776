package org.adamix.model.checkpoint;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The safetensors format: an 8-byte little-endian header length, a JSON header mapping each tensor
 * name to {dtype, shape, data_offsets} (offsets relative to the data section) plus an optional
 * {@code __metadata__} string map, then the raw little-endian data.
 *
 * <p>Reading yields float32 arrays (F16, BF16 and F64 are widened/narrowed); writing always writes
 * F32.
 */
public final class Safetensors {

    /** What a file holds: tensors by name (file order) and the free-form metadata. */
    public record Contents(Map<String, INDArray> tensors, Map<String, String> metadata) {}

    /** One header entry, validated against the file's size. */
    record Entry(String name, String dtype, long[] shape, long begin, long end) {}

    static final String METADATA_KEY = "__metadata__";
    // A header this large is certainly not a real one; refuse before allocating it.
    private static final long MAX_HEADER_BYTES = 100L << 20;
    // Read and write in slices so a tensor never needs a second full-size byte copy.
    private static final int CHUNK_BYTES = 8 << 20;

    private static final ObjectMapper JSON =
            new ObjectMapper()
                    .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                    .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Safetensors() {}

    /** Every tensor of {@code file}, as float32. */
    public static Contents read(Path file) throws IOException {
        return read(file, name -> true);
    }

    /**
     * The tensors of {@code file} whose names pass {@code wanted}, as float32; others are not read.
     */
    public static Contents read(Path file, Predicate<String> wanted) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long fileSize = ch.size();
            long headerLength = readHeaderLength(file, ch, fileSize);
            JsonNode header = parseHeader(file, readFully(ch, 8, (int) headerLength));
            long dataStart = 8 + headerLength;
            Map<String, String> metadata = parseMetadata(file, header.get(METADATA_KEY));
            Map<String, INDArray> tensors = new LinkedHashMap<>();
            for (Entry e : parseEntries(file, header, fileSize - dataStart)) {
                if (!wanted.test(e.name())) continue;
                tensors.put(e.name(), readTensor(file, ch, dataStart, e));
            }
            return new Contents(tensors, metadata);
        }
    }

    /**
     * Writes {@code tensors} as F32 in name order, with {@code metadata} (may be empty or null) as
     * {@code __metadata__}. Atomic: a temporary file in the same folder is renamed over {@code
     * file}.
     */
    public static void write(Path file, Map<String, INDArray> tensors, Map<String, String> metadata)
            throws IOException {
        Map<String, INDArray> sorted = new TreeMap<>(tensors);
        if (sorted.containsKey(METADATA_KEY))
            throw new CheckpointException(
                    file, METADATA_KEY, "is reserved for metadata and cannot name a tensor");

        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject(METADATA_KEY);
            new TreeMap<>(metadata).forEach(meta::put);
        }
        long offset = 0;
        for (Map.Entry<String, INDArray> t : sorted.entrySet()) {
            long bytes = 4L * t.getValue().length();
            ObjectNode entry = header.putObject(t.getKey());
            entry.put("dtype", "F32");
            ArrayNode shape = entry.putArray("shape");
            for (long d : t.getValue().shape()) shape.add(d);
            entry.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        // pad with spaces so the data section starts 8-byte aligned, as the reference writer does
        int padded = (json.length + 7) / 8 * 8;
        byte[] headerBytes = Arrays.copyOf(json, padded);
        Arrays.fill(headerBytes, json.length, padded, (byte) ' ');

        AtomicFiles.writeFile(
                file,
                tmp -> {
                    try (FileChannel ch =
                            FileChannel.open(
                                    tmp,
                                    StandardOpenOption.WRITE,
                                    StandardOpenOption.TRUNCATE_EXISTING)) {
                        ByteBuffer len =
                                ByteBuffer.allocate(8)
                                        .order(ByteOrder.LITTLE_ENDIAN)
                                        .putLong(padded)
                                        .flip();
                        writeFully(ch, len);
                        writeFully(ch, ByteBuffer.wrap(headerBytes));
                        for (INDArray t : sorted.values()) writeFloats(ch, Float32.toFloats(t));
                        ch.force(true);
                    }
                });
    }

    // ---- reading -------------------------------------------------------------------------------

    private static long readHeaderLength(Path file, FileChannel ch, long fileSize)
            throws IOException {
        if (fileSize < 8)
            throw new CheckpointException(
                    file,
                    "truncated: " + fileSize + " bytes, too short for the 8-byte header length");
        long n = readFully(ch, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        // n is an unsigned 64-bit count: a negative long is beyond any file too
        if (n < 0 || n > fileSize - 8)
            throw new CheckpointException(
                    file,
                    "header length "
                            + Long.toUnsignedString(n)
                            + " exceeds the file size ("
                            + fileSize
                            + " bytes)");
        if (n > MAX_HEADER_BYTES)
            throw new CheckpointException(
                    file, "header length " + n + " is larger than " + MAX_HEADER_BYTES + " bytes");
        return n;
    }

    private static JsonNode parseHeader(Path file, ByteBuffer bytes) throws CheckpointException {
        String text = StandardCharsets.UTF_8.decode(bytes).toString();
        JsonNode header;
        try {
            header = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new CheckpointException(
                    file, "malformed header JSON: " + e.getOriginalMessage(), e);
        }
        if (header == null || !header.isObject())
            throw new CheckpointException(
                    file, "malformed header JSON: expected an object of tensor entries");
        return header;
    }

    private static Map<String, String> parseMetadata(Path file, JsonNode meta)
            throws CheckpointException {
        Map<String, String> out = new LinkedHashMap<>();
        if (meta == null) return out;
        if (!meta.isObject())
            throw new CheckpointException(file, METADATA_KEY + " must be an object of strings");
        for (Iterator<Map.Entry<String, JsonNode>> it = meta.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual())
                throw new CheckpointException(
                        file, METADATA_KEY + " value for '" + e.getKey() + "' is not a string");
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }

    /** Header entries in file order; each checked for shape, offsets and byte count. */
    static List<Entry> parseEntries(Path file, JsonNode header, long dataSize)
            throws CheckpointException {
        List<Entry> entries = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (f.getKey().equals(METADATA_KEY)) continue;
            entries.add(parseEntry(file, f.getKey(), f.getValue(), dataSize));
        }
        checkCoverage(file, entries, dataSize);
        return entries;
    }

    /**
     * The tensors tile the data section exactly, as the reference format requires: no two share or
     * overlap bytes (a crafted header could alias one region many times and make a reader allocate
     * far more than the file holds) and no bytes are left over.
     */
    private static void checkCoverage(Path file, List<Entry> entries, long dataSize)
            throws CheckpointException {
        List<Entry> byOffset = new ArrayList<>(entries);
        byOffset.sort(
                java.util.Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expected = 0;
        for (Entry e : byOffset) {
            if (e.begin() != expected)
                throw new CheckpointException(
                        file,
                        e.name(),
                        "data_offsets ["
                                + e.begin()
                                + ", "
                                + e.end()
                                + "] "
                                + (e.begin() < expected
                                        ? "overlap another tensor's"
                                        : "leave a gap after the previous tensor's")
                                + " bytes (which end at "
                                + expected
                                + ")");
            expected = e.end();
        }
        if (expected != dataSize)
            throw new CheckpointException(
                    file,
                    "the data section holds "
                            + dataSize
                            + " bytes but the tensors cover "
                            + expected);
    }

    private static Entry parseEntry(Path file, String name, JsonNode node, long dataSize)
            throws CheckpointException {
        if (!node.isObject())
            throw new CheckpointException(file, name, "header entry is not an object");
        JsonNode dtype = node.get("dtype"),
                shape = node.get("shape"),
                offsets = node.get("data_offsets");
        if (dtype == null || !dtype.isTextual())
            throw new CheckpointException(file, name, "header entry lacks a 'dtype' string");
        if (shape == null || !shape.isArray())
            throw new CheckpointException(file, name, "header entry lacks a 'shape' array");
        if (offsets == null || !offsets.isArray() || offsets.size() != 2)
            throw new CheckpointException(
                    file, name, "header entry lacks 'data_offsets' [begin, end]");
        long[] dims = new long[shape.size()];
        for (int i = 0; i < dims.length; i++) {
            if (!shape.get(i).canConvertToLong() || shape.get(i).asLong() < 0)
                throw new CheckpointException(
                        file, name, "shape " + shape + " is not a list of non-negative integers");
            dims[i] = shape.get(i).asLong();
        }
        if (!offsets.get(0).canConvertToLong() || !offsets.get(1).canConvertToLong())
            throw new CheckpointException(
                    file, name, "data_offsets " + offsets + " are not integers");
        long begin = offsets.get(0).asLong(), end = offsets.get(1).asLong();
        if (begin < 0 || end < begin)
            throw new CheckpointException(
                    file, name, "data_offsets " + offsets + " are not an increasing pair");
        if (end > dataSize)
            throw new CheckpointException(
                    file,
                    name,
                    "data ends at byte "
                            + end
                            + " but the file's data section has only "
                            + dataSize
                            + " bytes (file truncated?)");
        int elementSize = elementSize(dtype.asText());
        long numel = Float32.numel(dims);
        if (elementSize > 0
                && (numel < 0
                        || numel > Long.MAX_VALUE / elementSize
                        || numel * elementSize != end - begin))
            throw new CheckpointException(
                    file,
                    name,
                    "data_offsets span "
                            + (end - begin)
                            + " bytes but dtype "
                            + dtype.asText()
                            + " with shape "
                            + Arrays.toString(dims)
                            + " needs "
                            + (numel * elementSize)
                            + " bytes");
        return new Entry(name, dtype.asText(), dims, begin, end);
    }

    /** Bytes per element of a safetensors dtype, or -1 for a name the format does not define. */
    static int elementSize(String dtype) {
        return switch (dtype) {
            case "F64", "I64", "U64" -> 8;
            case "F32", "I32", "U32" -> 4;
            case "F16", "BF16", "I16", "U16" -> 2;
            case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2" -> 1;
            default -> -1;
        };
    }

    private static INDArray readTensor(Path file, FileChannel ch, long dataStart, Entry e)
            throws IOException {
        int size = elementSize(e.dtype());
        if (size < 0) throw new CheckpointException(file, e.name(), "unknown dtype " + e.dtype());
        if (!List.of("F32", "F16", "BF16", "F64").contains(e.dtype()))
            throw new CheckpointException(
                    file,
                    e.name(),
                    "dtype "
                            + e.dtype()
                            + " is not a floating-point dtype (expected F32, F16, BF16 or F64)");
        long numel = Float32.numel(e.shape());
        if (numel > Integer.MAX_VALUE - 8)
            throw new CheckpointException(
                    file, e.name(), "has " + numel + " elements, more than a Java array can hold");
        float[] out = new float[(int) numel];
        int perChunk = CHUNK_BYTES / size;
        for (int done = 0; done < out.length; ) {
            int n = Math.min(perChunk, out.length - done);
            ByteBuffer buf =
                    readFully(ch, dataStart + e.begin() + (long) done * size, n * size)
                            .order(ByteOrder.LITTLE_ENDIAN);
            switch (e.dtype()) {
                case "F32" -> buf.asFloatBuffer().get(out, done, n);
                case "F64" -> {
                    for (int i = 0; i < n; i++) out[done + i] = (float) buf.getDouble();
                }
                case "F16" -> {
                    for (int i = 0; i < n; i++)
                        out[done + i] = HalfFloats.f16ToFloat(buf.getShort());
                }
                default -> {
                    for (int i = 0; i < n; i++)
                        out[done + i] = HalfFloats.bf16ToFloat(buf.getShort());
                }
            }
            done += n;
        }
        return Float32.create(out, e.shape());
    }

    private static ByteBuffer readFully(FileChannel ch, long position, int length)
            throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        while (buf.hasRemaining()) {
            int n = ch.read(buf, position + buf.position());
            if (n < 0)
                throw new IOException(
                        "unexpected end of file at byte " + (position + buf.position()));
        }
        return buf.flip();
    }

    // ---- writing -------------------------------------------------------------------------------

    private static void writeFloats(FileChannel ch, float[] data) throws IOException {
        int perChunk = CHUNK_BYTES / 4;
        ByteBuffer buf =
                ByteBuffer.allocate(Math.min(perChunk, Math.max(data.length, 1)) * 4)
                        .order(ByteOrder.LITTLE_ENDIAN);
        for (int done = 0; done < data.length; ) {
            int n = Math.min(perChunk, data.length - done);
            buf.clear();
            buf.asFloatBuffer().put(data, done, n);
            buf.limit(n * 4);
            writeFully(ch, buf);
            done += n;
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) ch.write(buf);
    }
}
