package org.adamix.model.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.adamix.datasets.tokenize.EncodeOptions;
import org.adamix.datasets.tokenize.Encoding;
import org.adamix.datasets.tokenize.Tokenizer;
import org.adamix.datasets.tokenize.Tokenizers;
import org.adamix.model.AdaMixModel;
import org.adamix.model.AdaptationConfig;
import org.adamix.model.Batch;
import org.adamix.model.HeadConfig;
import org.adamix.model.Method;
import org.adamix.model.OptimizerConfig;
import org.adamix.model.checkpoint.Backbone;
import org.adamix.model.checkpoint.BackboneLoader;
import org.adamix.model.io.AdapterCheckpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The real MiniLM with an AdaMix-LoRA mixture: every export, and the merged full model loads back
 * exactly.
 */
class MiniLmExportTest {

    @Test
    void adamixLoraOnMiniLmExportsAndReloads(@TempDir Path tmp) throws Exception {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("data/minilm"))) dir = dir.getParent();
        if (dir == null || !Files.isRegularFile(dir.resolve("data/minilm/model.onnx")))
            fail("data/minilm not found: run bin/fetch-minilm");
        Path minilm = dir.resolve("data/minilm");
        Backbone bb = BackboneLoader.load(minilm);
        AdaptationConfig a = AdaptationConfig.of(Method.ADAMIX_LORA, 8).withLoraAlpha(16);
        AdaMixModel mix =
                AdaMixModel.build(
                        bb,
                        a,
                        HeadConfig.classification(2).withPooling(HeadConfig.Pooling.POOLER),
                        OptimizerConfig.adam(1e-3),
                        1);
        INDArray p = mix.trainableParams();
        Random r = new Random(5);
        double[] v = new double[(int) p.length()];
        for (int i = 0; i < v.length; i++) v[i] = r.nextGaussian() * 0.02;
        p.addi(Nd4j.createFromArray(v).reshape(p.shape()).castTo(p.dataType()));

        Tokenizer tok =
                Tokenizers.load(minilm).withOptions(EncodeOptions.DEFAULT.withMaxLength(64));
        List<String> texts =
                List.of(
                        "A moving, beautifully shot film.",
                        "Dull.",
                        "I wanted to like it, but the script is a mess and the ending makes no sense.");
        int[][] ids = new int[texts.size()][], types = new int[texts.size()][];
        for (int i = 0; i < texts.size(); i++) {
            Encoding e = tok.encode(texts.get(i));
            ids[i] = Arrays.copyOf(e.ids(), e.length());
            types[i] = Arrays.copyOf(e.typeIds(), e.length());
        }
        Batch batch = Batch.of(ids, types, null, 2, false, DataType.FLOAT);
        INDArray expected = mix.predict(batch).dup();

        Exporter.Exported ex =
                Exporter.exportAll(mix, tmp.resolve("export"), List.of("neg", "pos"));
        MergedModelLoader.MergedModel loaded = MergedModelLoader.load(ex.full());
        assertEquals(Method.NONE, loaded.model().adaptation().method());
        assertEquals(List.of("neg", "pos"), loaded.labels());
        INDArray got = loaded.model().predict(batch);
        double diff = got.sub(expected).amaxNumber().doubleValue();
        System.out.printf("MiniLM adamix-lora: full export vs mixture max |diff| %.3g%n", diff);
        assertTrue(diff <= 1e-5, "full export differs from the mixture by " + diff);
        assertArrayEquals(
                mix.merge(true).predict(batch).data().asFloat(), got.data().asFloat(), 0f);

        // the adapter checkpoint states what the issue asks for
        JsonNode c =
                new ObjectMapper()
                        .readTree(ex.mixture().resolve(AdapterCheckpoint.CONFIG).toFile());
        assertEquals("ADAMIX_LORA", c.at("/adaptation/method").asText());
        assertEquals(8, c.at("/adaptation/rank").asInt());
        assertEquals(4, c.at("/adaptation/experts").asInt());
        assertTrue(c.at("/adaptation/shareUp").asBoolean());
        assertEquals(
                "[\"attention.self.query\",\"attention.self.value\"]",
                c.get("targetModules").toString());
        assertEquals("minilm", c.get("backboneName").asText());
        assertEquals(bb.checksum(), c.get("backboneChecksum").asText());
        assertEquals(2, c.at("/head/numLabels").asInt());
        assertEquals("POOLER", c.at("/head/pooling").asText());
        assertEquals("[\"neg\",\"pos\"]", c.get("labels").toString());
        JsonNode peft =
                new ObjectMapper().readTree(ex.peft().resolve(PeftLoraWriter.CONFIG).toFile());
        assertEquals("minilm", peft.get("base_model_name_or_path").asText());
    }
}
