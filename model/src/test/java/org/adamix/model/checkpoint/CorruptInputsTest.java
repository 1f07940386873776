package org.adamix.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;
import org.adamix.model.names.BertTensorNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Every way a checkpoint can be broken, and the exact message that says so. */
class CorruptInputsTest {

    @TempDir Path tmp;

    private static final String TINY_CONFIG =
            """
            {"model_type": "bert", "vocab_size": 50, "hidden_size": 8, "num_hidden_layers": 2,
             "num_attention_heads": 2, "intermediate_size": 16, "max_position_embeddings": 12}""";

    private static String message(Executable e) {
        return assertThrows(CheckpointException.class, e).getMessage();
    }

    private Path hfFolder(String name, String config, RawSafetensors weights) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(name));
        Files.writeString(dir.resolve("config.json"), config);
        weights.write(dir.resolve("model.safetensors"));
        return dir;
    }

    private static Map<String, INDArray> tiny() {
        return TestBackbones.randomTensors(TestBackbones.tinyBert(), 21, false);
    }

    // ---- safetensors ----------------------------------------------------------------------------

    @Test
    void truncatedSafetensors() throws IOException {
        Path dir = tmp.resolve("hf");
        HfFolderWriter.write(Backbone.of(TestBackbones.tinyBert(), tiny(), "tiny"), dir);
        Path file = dir.resolve("model.safetensors");
        long dataBytes = 4 * tiny().values().stream().mapToLong(INDArray::length).sum();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 10);
        }
        // tensors are laid out in name order; the last one runs past the end
        assertEquals(
                file
                        + ": tensor 'encoder.layer.1.output.dense.weight': data ends at byte "
                        + dataBytes
                        + " but the file's data section has only "
                        + (dataBytes - 10)
                        + " bytes (file truncated?)",
                message(() -> HfFolderReader.read(dir)));
    }

    @Test
    void headerLengthBeyondTheFile() throws IOException {
        Path file = tmp.resolve("a.safetensors");
        new RawSafetensors().addF32("w", new long[] {2}, 1f, 2f).write(file);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(
                    ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1_000_000L),
                    0);
        }
        assertEquals(
                file
                        + ": header length 1000000 exceeds the file size ("
                        + Files.size(file)
                        + " bytes)",
                message(() -> Safetensors.read(file)));
    }

    @Test
    void headerLengthThatIsNegativeAsSigned() throws IOException {
        Path file = tmp.resolve("a.safetensors");
        Files.write(file, RawSafetensors.file("{}", new byte[0]));
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -1L), 0);
        }
        assertEquals(
                file + ": header length 18446744073709551615 exceeds the file size (10 bytes)",
                message(() -> Safetensors.read(file)));
    }

    @Test
    void fileTooShortForTheHeaderLength() throws IOException {
        Path file = tmp.resolve("a.safetensors");
        Files.write(file, new byte[] {1, 2, 3, 4, 5});
        assertEquals(
                file + ": truncated: 5 bytes, too short for the 8-byte header length",
                message(() -> Safetensors.read(file)));
    }

    @Test
    void malformedHeaderJson() throws IOException {
        Path file = tmp.resolve("a.safetensors");
        Files.write(file, RawSafetensors.file("{\"w\" 1}", new byte[0]));
        assertEquals(
                file
                        + ": malformed header JSON: Unexpected character ('1' (code 49)): "
                        + "was expecting a colon to separate field name and value",
                message(() -> Safetensors.read(file)));
    }

    @Test
    void headerThatIsNotAnObject() throws IOException {
        Path file = tmp.resolve("a.safetensors");
        Files.write(file, RawSafetensors.file("[1, 2]", new byte[0]));
        assertEquals(
                file + ": malformed header JSON: expected an object of tensor entries",
                message(() -> Safetensors.read(file)));
    }

    @Test
    void headerEntryWithoutDtype() throws IOException {
        Path file = tmp.resolve("a.safetensors");
        Files.write(
                file,
                RawSafetensors.file("{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]));
        assertEquals(
                file + ": tensor 'w': header entry lacks a 'dtype' string",
                message(() -> Safetensors.read(file)));
    }

    @Test
    void offsetsThatDisagreeWithTheShape() throws IOException {
        Path file = tmp.resolve("a.safetensors");
        Files.write(
                file,
                RawSafetensors.file(
                        "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}",
                        new byte[4]));
        assertEquals(
                file
                        + ": tensor 'w': data_offsets span 4 bytes but dtype F32 with shape [2] needs 8 bytes",
                message(() -> Safetensors.read(file)));
    }

    /**
     * Two entries naming the same bytes: a crafted header could alias one region many times and
     * make a reader allocate far more than the file holds.
     */
    @Test
    void aliasedTensors() throws IOException {
        Path file = tmp.resolve("a.safetensors");
        Files.write(
                file,
                RawSafetensors.file(
                        "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
                        new byte[8]));
        assertEquals(
                file
                        + ": tensor 'b': data_offsets [0, 8] overlap another tensor's bytes (which"
                        + " end at 8)",
                message(() -> Safetensors.read(file)));
    }

    @Test
    void gapsAndLeftoverBytes() throws IOException {
        Path file = tmp.resolve("a.safetensors");
        Files.write(
                file,
                RawSafetensors.file(
                        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                        new byte[8]));
        assertEquals(
                file
                        + ": tensor 'a': data_offsets [4, 8] leave a gap after the previous"
                        + " tensor's bytes (which end at 0)",
                message(() -> Safetensors.read(file)));
        Files.write(
                file,
                RawSafetensors.file(
                        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
                        new byte[12]));
        assertEquals(
                file + ": the data section holds 12 bytes but the tensors cover 4",
                message(() -> Safetensors.read(file)));
    }

    @Test
    void implausibleLayerCount() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("layers"));
        Files.writeString(
                dir.resolve("config.json"),
                "{\"model_type\":\"gpt2\",\"vocab_size\":8,\"n_positions\":8,\"n_embd\":4,"
                        + "\"n_layer\":2000000000,\"n_head\":2}");
        String m = message(() -> Gpt2ConfigJson.read(dir.resolve("config.json")));
        assertTrue(m.contains("n_layer 2000000000 is not plausible (at most 1024)"), m);
    }

    @Test
    void unknownDtype() throws IOException {
        Path file = tmp.resolve("a.safetensors");
        Files.write(
                file,
                RawSafetensors.file(
                        "{\"w\":{\"dtype\":\"F12\",\"shape\":[1],\"data_offsets\":[0,4]}}",
                        new byte[4]));
        assertEquals(
                file + ": tensor 'w': unknown dtype F12", message(() -> Safetensors.read(file)));
    }

    // ---- Hugging Face folders -------------------------------------------------------------------

    @Test
    void wrongDtype() throws IOException {
        Map<String, INDArray> t = tiny();
        t.remove("encoder.layer.0.attention.self.query.weight");
        Path dir =
                hfFolder(
                        "hf",
                        TINY_CONFIG,
                        RawSafetensors.of(t, n -> "bert." + n)
                                .add(
                                        "bert.encoder.layer.0.attention.self.query.weight",
                                        "I32",
                                        new long[] {8, 8},
                                        new byte[256]));
        assertEquals(
                dir.resolve("model.safetensors")
                        + ": tensor 'bert.encoder.layer.0.attention.self.query.weight': "
                        + "dtype I32 is not a floating-point dtype (expected F32, F16, BF16 or F64)",
                message(() -> HfFolderReader.read(dir)));
    }

    @Test
    void wrongShape() throws IOException {
        Map<String, INDArray> t = tiny();
        t.put(
                "encoder.layer.0.attention.self.query.weight",
                TestBackbones.random(new java.util.Random(1), 8, 4));
        Path dir = hfFolder("hf", TINY_CONFIG, RawSafetensors.of(t, n -> n));
        assertEquals(
                dir.resolve("model.safetensors")
                        + ": tensor 'encoder.layer.0.attention.self.query.weight': "
                        + "expected shape [8, 8], found [8, 4]",
                message(() -> HfFolderReader.read(dir)));
    }

    @Test
    void missingTensor() throws IOException {
        Map<String, INDArray> t = tiny();
        t.remove("encoder.layer.1.output.LayerNorm.bias");
        Path dir = hfFolder("hf", TINY_CONFIG, RawSafetensors.of(t, n -> n));
        assertEquals(
                dir.resolve("model.safetensors")
                        + ": tensor 'encoder.layer.1.output.LayerNorm.bias': missing",
                message(() -> HfFolderReader.read(dir)));
    }

    @Test
    void sameTensorUnderTwoNames() throws IOException {
        Map<String, INDArray> t = tiny();
        Path dir =
                hfFolder(
                        "hf",
                        TINY_CONFIG,
                        RawSafetensors.of(t, n -> n)
                                .addF32(
                                        "bert.embeddings.LayerNorm.gamma",
                                        new long[] {8},
                                        new float[8]));
        assertEquals(
                dir.resolve("model.safetensors")
                        + ": tensor 'embeddings.LayerNorm.weight': appears twice, as "
                        + "'embeddings.LayerNorm.weight' and 'bert.embeddings.LayerNorm.gamma'",
                message(() -> HfFolderReader.read(dir)));
    }

    @Test
    void unsupportedModelTypes() throws IOException {
        for (String type : new String[] {"distilbert", "gpt2", "electra"}) {
            Path dir =
                    hfFolder(
                            "hf-" + type,
                            TINY_CONFIG.replace("\"bert\"", "\"" + type + "\""),
                            RawSafetensors.of(tiny(), n -> n));
            assertEquals(
                    dir.resolve("config.json")
                            + ": model_type '"
                            + type
                            + "' is not supported (supported: bert, roberta, xlm-roberta)",
                    message(() -> BackboneLoader.load(dir)));
        }
    }

    @Test
    void configMissingAShapeField() throws IOException {
        Path dir =
                hfFolder(
                        "hf",
                        TINY_CONFIG.replace("\"hidden_size\": 8,", ""),
                        RawSafetensors.of(tiny(), n -> n));
        assertEquals(
                dir.resolve("config.json") + ": missing field 'hidden_size'",
                message(() -> HfFolderReader.read(dir)));
    }

    @Test
    void configWithAWrongFieldType() throws IOException {
        Path dir =
                hfFolder(
                        "hf",
                        TINY_CONFIG.replace("\"hidden_size\": 8", "\"hidden_size\": \"8\""),
                        RawSafetensors.of(tiny(), n -> n));
        assertEquals(
                dir.resolve("config.json")
                        + ": field 'hidden_size' must be an integer, found \"8\"",
                message(() -> HfFolderReader.read(dir)));
    }

    @Test
    void inconsistentConfig() throws IOException {
        Path dir =
                hfFolder(
                        "hf",
                        TINY_CONFIG.replace(
                                "\"num_attention_heads\": 2", "\"num_attention_heads\": 3"),
                        RawSafetensors.of(tiny(), n -> n));
        assertEquals(
                dir.resolve("config.json")
                        + ": invalid config: hidden_size 8 is not a multiple of num_attention_heads 3",
                message(() -> HfFolderReader.read(dir)));
    }

    @Test
    void malformedConfigJson() throws IOException {
        Path dir = hfFolder("hf", "{\"model_type\": bert}", RawSafetensors.of(tiny(), n -> n));
        assertEquals(
                dir.resolve("config.json")
                        + ": malformed JSON: Unrecognized token 'bert': was expecting "
                        + "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')",
                message(() -> HfFolderReader.read(dir)));
    }

    @Test
    void folderWithoutABackbone() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("empty"));
        Files.writeString(dir.resolve("config.json"), TINY_CONFIG);
        Files.writeString(dir.resolve("pytorch_model.bin"), "pickle");
        assertEquals(
                dir
                        + ": no backbone found: expected config.json + model.safetensors (Hugging Face folder) or model.onnx",
                message(() -> BackboneLoader.load(dir)));
        assertEquals(
                tmp.resolve("nope") + ": does not exist",
                message(() -> BackboneLoader.load(tmp.resolve("nope"))));
    }

    // ---- ONNX -----------------------------------------------------------------------------------

    @Test
    void truncatedOnnx() throws IOException {
        byte[] full = Files.readAllBytes(MiniLm.onnxFile());
        Path file =
                Files.write(tmp.resolve("truncated.onnx"), Arrays.copyOf(full, full.length / 2));
        assertEquals(
                file + ": cannot parse the ONNX protobuf (file truncated or not an ONNX model)",
                message(() -> BackboneLoader.load(file)));
    }

    @Test
    void emptyOnnx() throws IOException {
        Path file = Files.write(tmp.resolve("empty.onnx"), new byte[0]);
        assertEquals(
                file + ": not an ONNX model: it has no graph",
                message(() -> OnnxBackboneReader.read(file)));
    }

    @Test
    void onnxWithoutTheHeadsReshape() throws IOException {
        Backbone b = TestBackbones.random(TestBackbones.tinyBert(), 22, false);
        Path file =
                TinyOnnx.write(
                        b,
                        TinyOnnx.Options.torch().headsReshape(false),
                        tmp.resolve("noheads.onnx"));
        assertEquals(
                file
                        + ": cannot find the number of attention heads: no Reshape of the output of "
                        + "encoder.layer.0.attention.self.query to [batch, seq, heads, head_size] with constant heads",
                message(() -> OnnxBackboneReader.read(file)));
    }

    @Test
    void onnxWithoutAQueryWeight() throws IOException {
        Backbone b = TestBackbones.random(TestBackbones.tinyBert(), 23, false);
        Path file =
                TinyOnnx.write(
                        b,
                        TinyOnnx.Options.torch()
                                .omit("encoder.layer.1.attention.self.query.weight"),
                        tmp.resolve("noquery.onnx"));
        assertEquals(
                file + ": tensor 'encoder.layer.1.attention.self.query.weight': missing",
                message(() -> OnnxBackboneReader.read(file)));
    }

    @Test
    void onnxWithoutWordEmbeddings() throws IOException {
        Backbone b = TestBackbones.random(TestBackbones.tinyBert(), 24, false);
        Path file =
                TinyOnnx.write(
                        b,
                        TinyOnnx.Options.torch().omit(BertTensorNames.WORD_EMBEDDINGS),
                        tmp.resolve("noemb.onnx"));
        assertEquals(
                file + ": tensor 'embeddings.word_embeddings.weight': missing",
                message(() -> OnnxBackboneReader.read(file)));
    }
}
