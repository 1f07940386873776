package org.adamix.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.adamix.model.BertConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfFolderTest {

    @TempDir Path tmp;

    @Test
    void miniLmRoundTripsThroughAnHfFolder() throws IOException {
        Backbone onnx = MiniLm.backbone();
        Path dir = tmp.resolve("minilm-hf");
        HfFolderWriter.write(onnx, dir);
        Backbone read = HfFolderReader.read(dir);
        TestBackbones.assertBitIdentical(onnx.tensors(), read.tensors());
        assertEquals(onnx.checksum(), read.checksum());
        assertEquals(onnx.config(), read.config());
        assertEquals(onnx.checksum(), BackboneLoader.load(dir).checksum());

        JsonNode config = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        assertEquals("bert", config.get("model_type").asText());
        assertEquals("BertModel", config.get("architectures").get(0).asText());
        assertEquals(12, config.get("num_attention_heads").asInt());
        assertEquals(
                Map.of("format", "pt"),
                Safetensors.read(dir.resolve("model.safetensors"), n -> false).metadata());
    }

    @Test
    void tinyBertWithPoolerRoundTrips() throws IOException {
        Backbone b = TestBackbones.random(TestBackbones.tinyBert(), 11, true);
        HfFolderWriter.write(b, tmp.resolve("tiny"));
        Backbone read = HfFolderReader.read(tmp.resolve("tiny"));
        assertEquals(b.checksum(), read.checksum());
        assertEquals(b.config(), read.config());
        assertTrue(read.hasPooler());
        assertEquals("tiny", read.name());
    }

    /**
     * BertForSequenceClassification-style: bert. prefix, TF-era gamma/beta, a head and an int64
     * buffer.
     */
    @Test
    void readsATaskCheckpointWithBertPrefixAndGammaBeta() throws IOException {
        Backbone b = TestBackbones.random(TestBackbones.tinyBert(), 12, true);
        Path dir = Files.createDirectories(tmp.resolve("task"));
        Files.writeString(
                dir.resolve("config.json"),
                """
                {"architectures": ["BertForSequenceClassification"], "model_type": "bert", "vocab_size": 50,
                 "hidden_size": 8, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 16,
                 "max_position_embeddings": 12, "type_vocab_size": 2, "num_labels": 3, "id2label": {"0": "a"}}""");
        RawSafetensors.of(
                        b.tensors(),
                        n ->
                                "bert."
                                        + n.replace("LayerNorm.weight", "LayerNorm.gamma")
                                                .replace("LayerNorm.bias", "LayerNorm.beta"))
                .addF32("classifier.weight", new long[] {3, 8}, new float[24])
                .addF32("classifier.bias", new long[] {3}, 0f, 0f, 0f)
                .add(
                        "bert.embeddings.position_ids",
                        "I64",
                        new long[] {1, 2},
                        RawSafetensors.longsLe(0, 1))
                .write(dir.resolve("model.safetensors"));
        Backbone read = HfFolderReader.read(dir);
        assertEquals(b.checksum(), read.checksum());
        assertEquals(b.config(), read.config()); // omitted optional fields take the BERT defaults
    }

    @Test
    void readsRobertaNaming() throws IOException {
        Backbone b = TestBackbones.random(TestBackbones.tinyRoberta(), 13, true);
        Path dir = Files.createDirectories(tmp.resolve("roberta"));
        Files.writeString(
                dir.resolve("config.json"),
                """
                {"model_type": "roberta", "vocab_size": 50, "hidden_size": 8, "num_hidden_layers": 1,
                 "num_attention_heads": 2, "intermediate_size": 16, "max_position_embeddings": 14,
                 "type_vocab_size": 1, "layer_norm_eps": 1e-05, "pad_token_id": 1, "bos_token_id": 0}""");
        RawSafetensors.of(b.tensors(), n -> "roberta." + n)
                .addF32("lm_head.bias", new long[] {50}, new float[50])
                .write(dir.resolve("model.safetensors"));
        Backbone read = BackboneLoader.load(dir);
        assertEquals(b.checksum(), read.checksum());
        BertConfig c = read.config();
        assertEquals("roberta", c.modelType());
        assertEquals(1, c.typeVocabSize());
        assertEquals(2, c.positionOffset());
        assertEquals(1e-5, c.layerNormEps());
    }

    @Test
    void robertaConfigWithoutPadTokenDefaultsToOne() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("xlmr"));
        Files.writeString(
                dir.resolve("config.json"),
                """
                {"architectures": ["XLMRobertaModel"], "vocab_size": 50, "hidden_size": 8, "num_hidden_layers": 1,
                 "num_attention_heads": 2, "intermediate_size": 16, "max_position_embeddings": 14, "type_vocab_size": 1}""");
        BertConfig c = HfConfigJson.read(dir.resolve("config.json"));
        assertEquals("xlm-roberta", c.modelType());
        assertEquals(1, c.padTokenId());
        assertEquals(2, c.positionOffset());
    }

    @Test
    void writerReplacesAnExistingFolderAndLeavesNothingBehind() throws IOException {
        Path dir = tmp.resolve("out");
        HfFolderWriter.write(TestBackbones.random(TestBackbones.tinyBert(), 14, false), dir);
        Files.writeString(dir.resolve("stale.txt"), "old");
        Backbone second = TestBackbones.random(TestBackbones.tinyBert(), 15, true);
        HfFolderWriter.write(second, dir);
        assertEquals(second.checksum(), HfFolderReader.read(dir).checksum());
        assertFalse(Files.exists(dir.resolve("stale.txt")));
        try (Stream<Path> files = Files.list(tmp)) {
            assertEquals(List.of(dir), files.toList());
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(
                    List.of("config.json", "model.safetensors"),
                    files.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }
}
