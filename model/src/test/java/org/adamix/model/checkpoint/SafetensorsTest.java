package org.adamix.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class SafetensorsTest {

    @TempDir Path tmp;

    private static Map<String, INDArray> sample() {
        Random r = new Random(7);
        Map<String, INDArray> m = new LinkedHashMap<>();
        INDArray special = TestBackbones.random(r, 3, 4);
        float[] s = Float32.toFloats(special);
        s[0] = -0.0f;
        s[1] = Float.intBitsToFloat(0x7fc01234); // NaN with a payload
        s[2] = Float.POSITIVE_INFINITY;
        s[3] = Float.MIN_VALUE; // subnormal
        s[4] = Float.MAX_VALUE;
        m.put("z.special", Float32.create(s, new long[] {3, 4}));
        m.put("a.vector", TestBackbones.random(r, 5));
        m.put("m.rank3", TestBackbones.random(r, 2, 3, 4));
        m.put("scalar", Float32.create(new float[] {42.5f}, new long[0]));
        m.put(
                "view",
                TestBackbones.random(r, 6, 5)
                        .transpose()); // not C-contiguous: written in logical order
        return m;
    }

    @Test
    void roundTripIsBitForBit() throws IOException {
        Map<String, INDArray> tensors = sample();
        Path file = tmp.resolve("a.safetensors");
        Safetensors.write(file, tensors, Map.of("format", "pt", "note", "ünïcode"));
        Safetensors.Contents read = Safetensors.read(file);
        TestBackbones.assertBitIdentical(tensors, read.tensors());
        assertEquals(Map.of("format", "pt", "note", "ünïcode"), read.metadata());
        read.tensors().values().forEach(t -> assertEquals(DataType.FLOAT, t.dataType()));

        // writing what was read gives the very same bytes
        Path again = tmp.resolve("b.safetensors");
        Safetensors.write(again, read.tensors(), read.metadata());
        assertArrayEquals(Files.readAllBytes(file), Files.readAllBytes(again));
    }

    @Test
    void headerFollowsTheFormat() throws IOException {
        Path file = tmp.resolve("a.safetensors");
        Safetensors.write(file, sample(), Map.of());
        byte[] bytes = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, (8 + n) % 8, "data section 8-byte aligned");
        JsonNode header =
                new ObjectMapper()
                        .readTree(
                                new String(
                                        bytes,
                                        8,
                                        (int) n,
                                        java.nio.charset.StandardCharsets.UTF_8));
        List<String> names = new ArrayList<>();
        long offset = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            names.add(e.getKey());
            assertEquals("F32", e.getValue().get("dtype").asText());
            assertEquals(offset, e.getValue().get("data_offsets").get(0).asLong(), "contiguous");
            offset = e.getValue().get("data_offsets").get(1).asLong();
        }
        assertEquals(
                List.of("a.vector", "m.rank3", "scalar", "view", "z.special"),
                names); // no __metadata__ when empty
        assertEquals(bytes.length, 8 + n + offset);
        assertEquals("[5,6]", header.get("view").get("shape").toString());
    }

    @Test
    void readsF16Bf16AndF64AsFloat32() throws IOException {
        Path file = tmp.resolve("mixed.safetensors");
        new RawSafetensors()
                .add(
                        "half",
                        "F16",
                        new long[] {2, 3},
                        RawSafetensors.shortsLe(0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00, 0x3800))
                .add("brain", "BF16", new long[] {2}, RawSafetensors.shortsLe(0x3f80, 0xc0a0))
                .add("double", "F64", new long[] {2}, RawSafetensors.doublesLe(0.1, -3.5))
                .write(file);
        Map<String, INDArray> t = Safetensors.read(file).tensors();
        assertArrayEquals(
                new float[] {1f, -2f, 65504f, 0x1p-24f, Float.POSITIVE_INFINITY, 0.5f},
                Float32.toFloats(t.get("half")));
        assertArrayEquals(new long[] {2, 3}, t.get("half").shape());
        assertArrayEquals(new float[] {1f, -5f}, Float32.toFloats(t.get("brain")));
        assertArrayEquals(new float[] {0.1f, -3.5f}, Float32.toFloats(t.get("double")));
        t.values().forEach(a -> assertEquals(DataType.FLOAT, a.dataType()));
    }

    @Test
    void aFilterSkipsTensorsItDoesNotWant() throws IOException {
        Path file = tmp.resolve("f.safetensors");
        new RawSafetensors()
                .add("position_ids", "I64", new long[] {1, 3}, RawSafetensors.longsLe(0, 1, 2))
                .addF32("w", new long[] {2}, 1f, 2f)
                .write(file);
        Map<String, INDArray> t =
                Safetensors.read(file, name -> !name.equals("position_ids")).tensors();
        assertEquals(List.of("w"), List.copyOf(t.keySet()));
        CheckpointException e =
                assertThrows(CheckpointException.class, () -> Safetensors.read(file));
        assertEquals(
                file
                        + ": tensor 'position_ids': dtype I64 is not a floating-point dtype (expected F32, F16, BF16 or F64)",
                e.getMessage());
        assertEquals("position_ids", e.tensor());
    }

    @Test
    void writeReplacesAtomicallyAndLeavesNoTemporaryFiles() throws IOException {
        Path file = tmp.resolve("w.safetensors");
        Safetensors.write(file, Map.of("x", Float32.create(new float[] {1}, new long[] {1})), null);
        Safetensors.write(
                file, Map.of("y", Float32.create(new float[] {2, 3}, new long[] {2})), null);
        assertEquals(List.of("y"), List.copyOf(Safetensors.read(file).tensors().keySet()));
        try (Stream<Path> files = Files.list(tmp)) {
            assertEquals(List.of(file), files.toList());
        }
    }

    @Test
    void metadataKeyCannotNameATensor() {
        Path file = tmp.resolve("m.safetensors");
        CheckpointException e =
                assertThrows(
                        CheckpointException.class,
                        () ->
                                Safetensors.write(
                                        file,
                                        Map.of(
                                                "__metadata__",
                                                Float32.create(new float[] {1}, new long[] {1})),
                                        null));
        assertEquals(
                file + ": tensor '__metadata__': is reserved for metadata and cannot name a tensor",
                e.getMessage());
    }
}
