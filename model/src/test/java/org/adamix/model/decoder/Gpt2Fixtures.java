package org.adamix.model.decoder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.adamix.model.checkpoint.Gpt2Backbone;
import org.adamix.model.names.Gpt2TensorNames;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The tiny GPT-2 of experiments/gpt2_reference.py (test resources gpt2-tiny) and helpers around it.
 */
final class Gpt2Fixtures {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Gpt2Fixtures() {}

    /** The folder with config.json, model.safetensors and reference.json. */
    static Path tinyDir() {
        try {
            return Path.of(Gpt2Fixtures.class.getResource("/gpt2-tiny/config.json").toURI())
                    .getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static JsonNode reference() throws IOException {
        return JSON.readTree(tinyDir().resolve("reference.json").toFile());
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).asInt();
        return out;
    }

    static int[][] intRows(JsonNode arrays) {
        int[][] out = new int[arrays.size()][];
        for (int i = 0; i < out.length; i++) out[i] = ints(arrays.get(i));
        return out;
    }

    /** The repository root (holds bin/fetch-gpt2-tokenizer), or null. */
    static Path repoRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent())
            if (Files.exists(p.resolve("bin/fetch-gpt2-tokenizer"))) return p;
        return null;
    }

    /**
     * A GPT-2 with random weights (spread as in the reference script), for shapes no fixture
     * covers.
     */
    static Gpt2Backbone randomBackbone(Gpt2Config config, long seed) {
        Random rnd = new Random(seed);
        Map<String, INDArray> tensors = new HashMap<>();
        for (Map.Entry<String, long[]> e : Gpt2TensorNames.required(config).entrySet()) {
            boolean norm = e.getKey().contains("ln_") && e.getKey().endsWith(".weight");
            float[] v =
                    new float
                            [(int)
                                    (e.getValue()[0]
                                            * (e.getValue().length > 1 ? e.getValue()[1] : 1))];
            for (int i = 0; i < v.length; i++)
                v[i] = (float) ((norm ? 1 : 0) + 0.3 * rnd.nextGaussian());
            tensors.put(e.getKey(), Nd4j.create(v, e.getValue(), 'c'));
        }
        return new Gpt2Backbone(config, tensors, "random-" + seed);
    }

    /** One tensor of a hand-written safetensors file. */
    record Raw(String dtype, long[] shape, byte[] data) {
        static Raw f32(INDArray t) {
            float[] v = t.castTo(DataType.FLOAT).dup('c').data().asFloat();
            ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
            for (float f : v) b.putFloat(f);
            return new Raw("F32", t.shape(), b.array());
        }
    }

    /**
     * A safetensors file written byte by byte, tensors in the map's order (no code under test
     * involved).
     */
    static void writeRaw(Path file, Map<String, Raw> tensors) throws IOException {
        StringBuilder header = new StringBuilder("{");
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (Map.Entry<String, Raw> e : tensors.entrySet()) {
            if (header.length() > 1) header.append(',');
            StringBuilder shape = new StringBuilder();
            for (long d : e.getValue().shape())
                shape.append(shape.length() == 0 ? "" : ",").append(d);
            header.append('"')
                    .append(e.getKey())
                    .append("\":{\"dtype\":\"")
                    .append(e.getValue().dtype())
                    .append("\",\"shape\":[")
                    .append(shape)
                    .append("],\"data_offsets\":[")
                    .append(data.size())
                    .append(',')
                    .append(data.size() + e.getValue().data().length)
                    .append("]}");
            data.writeBytes(e.getValue().data());
        }
        byte[] h = header.append('}').toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer out =
                ByteBuffer.allocate(8 + h.length + data.size()).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(h.length).put(h).put(data.toByteArray());
        Files.write(file, out.array());
    }
}
