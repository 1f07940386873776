package org.adamix.model.export;

import static org.adamix.model.BitExact.assertBitIdentical;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.adamix.model.AdaMixModel;
import org.adamix.model.AdaptationConfig;
import org.adamix.model.Batch;
import org.adamix.model.BertConfig;
import org.adamix.model.HeadConfig;
import org.adamix.model.Method;
import org.adamix.model.OptimizerConfig;
import org.adamix.model.RandomBackbone;
import org.adamix.model.checkpoint.Backbone;
import org.adamix.model.checkpoint.BackboneLoader;
import org.adamix.model.checkpoint.CheckpointException;
import org.adamix.model.checkpoint.HfFolderWriter;
import org.adamix.model.checkpoint.Safetensors;
import org.adamix.model.io.AdapterCheckpoint;
import org.adamix.model.names.HeadNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ExportTest {
    static final BertConfig BERT = BertConfig.tiny(50, 16, 2, 2, 32, 16, "gelu");
    static final BertConfig ROBERTA =
            new BertConfig("roberta", 50, 16, 2, 2, 32, 18, 1, 1e-5, "gelu", 0.1, 0.1, 1);
    static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> LABELS = List.of("neg", "neutral", "pos");

    static AdaMixModel trained(
            BertConfig c, AdaptationConfig a, HeadConfig head, boolean backbonePooler) {
        Backbone bb = RandomBackbone.create(c, 7, backbonePooler);
        AdaMixModel m = AdaMixModel.build(bb, a, head, OptimizerConfig.adam(1e-3), 3);
        // as if trained: every trainable tensor moved away from its start (B, project-up no longer
        // zero)
        INDArray p = m.trainableParams();
        Random r = new Random(11);
        double[] v = new double[(int) p.length()];
        for (int i = 0; i < v.length; i++) v[i] = r.nextGaussian() * 0.2;
        p.addi(Nd4j.createFromArray(v).reshape(p.shape()).castTo(p.dataType()));
        return m;
    }

    static Batch batch(BertConfig c) {
        int off = c.positionOffset();
        int[][] ids = {{2, 5, 9, 11, 3, 4}, {2, 7, 3}, {2, 8, 8, 30, 3}};
        int[][] types = {{0, 0, 0, 1, 1, 1}, {0, 0, 0}, {0, 0, 1, 1, 1}};
        if (c.typeVocabSize() == 1) for (int[] t : types) java.util.Arrays.fill(t, 0);
        assertTrue(6 + off <= c.maxPositions());
        return Batch.of(ids, types, null, 3, false, DataType.FLOAT);
    }

    static Stream<Arguments> methods() {
        List<Arguments> out = new ArrayList<>();
        for (BertConfig c : List.of(BERT, ROBERTA)) {
            for (Method m :
                    List.of(
                            Method.LORA,
                            Method.ADAMIX_LORA,
                            Method.FULL,
                            Method.PFEIFFER,
                            Method.HOULSBY,
                            Method.ADAMIX_ADAPTER)) {
                for (boolean pooler : new boolean[] {true, false}) {
                    AdaptationConfig a = AdaptationConfig.of(m, 4).withLoraAlpha(8);
                    out.add(
                            Arguments.of(
                                    c.modelType(),
                                    a,
                                    HeadConfig.classification(3)
                                            .withPooling(
                                                    pooler
                                                            ? HeadConfig.Pooling.POOLER
                                                            : HeadConfig.Pooling.CLS),
                                    c));
                }
            }
        }
        out.add(
                Arguments.of(
                        "bert",
                        AdaptationConfig.of(Method.ADAMIX_LORA, 4).withTrainLayerNorms(true),
                        HeadConfig.regressionHead().withPooling(HeadConfig.Pooling.POOLER),
                        BERT));
        out.add(
                Arguments.of(
                        "bert",
                        AdaptationConfig.of(Method.ADAMIX_ADAPTER, 4).withTrainLayerNorms(true),
                        HeadConfig.classification(3),
                        BERT));
        return out.stream();
    }

    /**
     * Every method: exportAll writes the expected folders, and full/ loads back computing what the
     * mixture computes.
     */
    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("methods")
    void fullExportLoadsBackWithTheMixturesOutputs(
            String type, AdaptationConfig a, HeadConfig head, BertConfig c, @TempDir Path tmp)
            throws Exception {
        AdaMixModel mix = trained(c, a, head, true);
        Batch batch = batch(c);
        INDArray expected = mix.predict(batch).dup();
        List<String> labels = head.regression() ? null : LABELS;
        Exporter.Exported ex = Exporter.exportAll(mix, tmp.resolve("export"), labels);

        boolean fold = MergedModelWriter.foldable(a.method());
        assertEquals(fold, ex.folded());
        assertTrue(Files.isRegularFile(ex.mixture().resolve(AdapterCheckpoint.CONFIG)));
        assertTrue(Files.isRegularFile(ex.merged().resolve(AdapterCheckpoint.WEIGHTS)));
        assertEquals(
                a.method().lora(),
                ex.peft() != null && Files.isRegularFile(ex.peft().resolve(PeftLoraWriter.CONFIG)));
        assertEquals(!fold, Files.isDirectory(ex.full().resolve(MergedModelWriter.ADAPTER_DIR)));
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(
                    List.of("export"),
                    s.map(p -> p.getFileName().toString()).toList(),
                    "temporary folders left behind");
        }

        // mixture/ and merged/ reload through AdapterCheckpoint
        Backbone bb = mix.backbone();
        assertBitIdentical(
                expected,
                AdapterCheckpoint.load(ex.mixture(), bb).predict(batch),
                "mixture/ reloaded");
        AdaMixModel merged = AdapterCheckpoint.load(ex.merged(), bb);
        assertTrue(
                expected.equalsWithEps(merged.predict(batch), 1e-5),
                "merged checkpoint differs from the mixture");

        MergedModelLoader.MergedModel loaded = MergedModelLoader.load(ex.full());
        assertEquals(
                fold ? Method.NONE : mix.merge(false).adaptation().method(),
                loaded.model().adaptation().method());
        assertEquals(head, loaded.model().head());
        assertEquals(labels == null ? List.of("LABEL_0") : labels, loaded.labels());
        assertEquals(a.method().id, loaded.trainedMethod());
        INDArray got = loaded.model().predict(batch);
        double diff = got.sub(expected).amaxNumber().doubleValue();
        assertTrue(diff <= 1e-5, "full export differs from the mixture by " + diff);
        // bit for bit against the in-memory merged model it was written from
        INDArray direct = mix.merge(fold).predict(batch);
        assertBitIdentical(direct, got, "full export vs in-memory merge");

        JsonNode cfg = JSON.readTree(ex.full().resolve(MergedModelWriter.CONFIG).toFile());
        assertEquals(c.modelType(), cfg.get("model_type").asText());
        assertEquals(c.hiddenSize(), cfg.get("hidden_size").asInt());
        assertEquals(HeadNames.of(c).architecture(), cfg.get("architectures").get(0).asText());
        assertEquals(head.pooler(), cfg.get("adamix").get("hf_exact_head").asBoolean());
        assertEquals(bb.checksum(), cfg.get("adamix").get("backbone_checksum").asText());
        // the encoder part reads as a plain backbone too
        Backbone plain = BackboneLoader.load(ex.full());
        assertEquals(c, plain.config());
    }

    /**
     * PEFT layout, names and shapes; W + (alpha/r)·B·A from the PEFT tensors equals the folded
     * query/value weights.
     */
    @Test
    void peftLoraTensorsReproduceTheFoldedWeights(@TempDir Path tmp) throws Exception {
        AdaptationConfig a =
                AdaptationConfig.of(Method.ADAMIX_LORA, 4).withLoraAlpha(12).withExperts(3);
        AdaMixModel mix =
                trained(
                        BERT,
                        a,
                        HeadConfig.classification(3).withPooling(HeadConfig.Pooling.POOLER),
                        false);
        Exporter.Exported ex = Exporter.exportAll(mix, tmp.resolve("out"), LABELS);

        JsonNode cfg = JSON.readTree(ex.peft().resolve(PeftLoraWriter.CONFIG).toFile());
        assertEquals("LORA", cfg.get("peft_type").asText());
        assertEquals("SEQ_CLS", cfg.get("task_type").asText());
        assertEquals(4, cfg.get("r").asInt());
        assertEquals(12, cfg.get("lora_alpha").asInt());
        assertTrue(cfg.get("lora_alpha").isIntegralNumber());
        assertEquals(
                List.of("query", "value"),
                List.of(
                        cfg.get("target_modules").get(0).asText(),
                        cfg.get("target_modules").get(1).asText()));
        assertEquals(0.0, cfg.get("lora_dropout").asDouble());
        assertEquals("none", cfg.get("bias").asText());
        assertFalse(cfg.get("use_rslora").asBoolean());
        assertEquals(mix.backbone().name(), cfg.get("base_model_name_or_path").asText());
        assertEquals("[\"classifier\",\"pooler\"]", cfg.get("modules_to_save").toString());

        Map<String, INDArray> peft =
                Safetensors.read(ex.peft().resolve(PeftLoraWriter.WEIGHTS)).tensors();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (int i = 0; i < BERT.numLayers(); i++) {
            for (String p : List.of("query", "value")) {
                String base = "base_model.model.bert.encoder.layer." + i + ".attention.self." + p;
                shapes.put(base + ".lora_A.weight", new long[] {4, 16});
                shapes.put(base + ".lora_B.weight", new long[] {16, 4});
            }
        }
        shapes.put("base_model.model.classifier.weight", new long[] {3, 16});
        shapes.put("base_model.model.classifier.bias", new long[] {3});
        shapes.put("base_model.model.bert.pooler.dense.weight", new long[] {16, 16});
        shapes.put("base_model.model.bert.pooler.dense.bias", new long[] {16});
        assertEquals(
                new java.util.TreeSet<>(shapes.keySet()), new java.util.TreeSet<>(peft.keySet()));
        shapes.forEach((n, s) -> assertArrayEquals(s, peft.get(n).shape(), n));

        Map<String, INDArray> full =
                Safetensors.read(ex.full().resolve(MergedModelWriter.WEIGHTS)).tensors();
        Map<String, INDArray> folded = mix.merge(true).backbone().tensors();
        double scale = 12.0 / 4;
        int checked = 0;
        for (int i = 0; i < BERT.numLayers(); i++) {
            for (String p : List.of("query", "value")) {
                String name = "encoder.layer." + i + ".attention.self." + p + ".weight";
                String base = "base_model.model.bert.encoder.layer." + i + ".attention.self." + p;
                INDArray w = mix.backbone().tensor(name).castTo(DataType.DOUBLE);
                INDArray bA =
                        peft.get(base + ".lora_B.weight")
                                .castTo(DataType.DOUBLE)
                                .mmul(peft.get(base + ".lora_A.weight").castTo(DataType.DOUBLE));
                INDArray viaPeft = w.add(bA.mul(scale)).castTo(DataType.FLOAT);
                assertTrue(
                        bA.amaxNumber().doubleValue() > 1e-3, "LoRA update is not trivially zero");
                assertTrue(
                        viaPeft.equalsWithEps(full.get("bert." + name), 1e-6),
                        name + " in full/ vs PEFT math");
                assertTrue(
                        viaPeft.equalsWithEps(folded.get(name), 1e-6),
                        name + " in merge(true) vs PEFT math");
                checked++;
            }
        }
        assertEquals(4, checked);
        assertArrayEquals(
                full.get("classifier.weight").data().asFloat(),
                peft.get("base_model.model.classifier.weight").data().asFloat(),
                0f);
    }

    @Test
    void trainedLayerNormsGoToPeftModulesToSave(@TempDir Path tmp) throws Exception {
        AdaMixModel m =
                trained(
                        ROBERTA,
                        AdaptationConfig.of(Method.LORA, 2).withTrainLayerNorms(true),
                        HeadConfig.classification(3).withPooling(HeadConfig.Pooling.POOLER),
                        true);
        PeftLoraWriter.write(m, tmp.resolve("peft"), "roberta-base");
        JsonNode cfg = JSON.readTree(tmp.resolve("peft").resolve(PeftLoraWriter.CONFIG).toFile());
        assertEquals("[\"classifier\",\"LayerNorm\"]", cfg.get("modules_to_save").toString());
        Map<String, INDArray> t =
                Safetensors.read(tmp.resolve("peft").resolve(PeftLoraWriter.WEIGHTS)).tensors();
        assertArrayEquals(
                new long[] {16, 16}, t.get("base_model.model.classifier.dense.weight").shape());
        assertArrayEquals(
                new long[] {3, 16}, t.get("base_model.model.classifier.out_proj.weight").shape());
        assertArrayEquals(
                new long[] {16},
                t.get("base_model.model.roberta.embeddings.LayerNorm.weight").shape());
        assertArrayEquals(
                new long[] {16},
                t.get("base_model.model.roberta.encoder.layer.1.output.LayerNorm.bias").shape());
        assertArrayEquals(
                new long[] {2, 16},
                t.get("base_model.model.roberta.encoder.layer.1.attention.self.value.lora_A.weight")
                        .shape());
        assertEquals(
                8 + 4 + 2 + 2 * 2 * 2,
                t.size()); // LoRA A,B ×2 ×2 layers; head; embeddings LN; 2 LNs per layer
    }

    @Test
    void refusesWrongLabelsAndNonLoraPeftWithoutWriting(@TempDir Path tmp) throws Exception {
        AdaMixModel m =
                trained(
                        BERT,
                        AdaptationConfig.of(Method.PFEIFFER, 4),
                        HeadConfig.classification(3),
                        false);
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> Exporter.exportAll(m, tmp.resolve("out"), List.of("a", "b")));
        assertTrue(e.getMessage().contains("2 label names"), e.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> PeftLoraWriter.write(m, tmp.resolve("peft"), "x"));
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(0, s.count(), "nothing may be written");
        }
    }

    @Test
    void exportReplacesAnOlderExport(@TempDir Path tmp) throws Exception {
        AdaMixModel lora =
                trained(
                        BERT,
                        AdaptationConfig.of(Method.LORA, 4),
                        HeadConfig.classification(3),
                        false);
        AdaMixModel adapter =
                trained(
                        BERT,
                        AdaptationConfig.of(Method.PFEIFFER, 4),
                        HeadConfig.classification(3),
                        false);
        Path out = tmp.resolve("out");
        Exporter.exportAll(lora, out, LABELS);
        assertTrue(Files.isDirectory(out.resolve(Exporter.PEFT)));
        Exporter.exportAll(adapter, out, LABELS);
        assertFalse(Files.exists(out.resolve(Exporter.PEFT)), "stale peft/ from the older export");
        assertEquals(
                Method.PFEIFFER,
                AdapterCheckpoint.readConfig(out.resolve(Exporter.MERGED)).adaptation().method());
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of("out"), s.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void loaderErrorsNameTheFileAndTensor(@TempDir Path tmp) throws Exception {
        Backbone bb = RandomBackbone.create(BERT, 7, false);
        HfFolderWriter.write(bb, tmp.resolve("plain"));
        CheckpointException plain =
                assertThrows(
                        CheckpointException.class,
                        () -> MergedModelLoader.load(tmp.resolve("plain")));
        assertTrue(
                plain.getMessage()
                                .startsWith(
                                        tmp.resolve("plain")
                                                        .resolve("config.json")
                                                        .toAbsolutePath()
                                                        .normalize()
                                                + ": no 'adamix' section")
                        || plain.getMessage().contains("config.json: no 'adamix' section"),
                plain.getMessage());

        AdaMixModel m =
                trained(
                        BERT,
                        AdaptationConfig.of(Method.LORA, 4),
                        HeadConfig.classification(3),
                        false);
        Path full = tmp.resolve("full");
        MergedModelWriter.write(m, full, LABELS);
        Path w = full.resolve(MergedModelWriter.WEIGHTS);
        Map<String, INDArray> t = new LinkedHashMap<>(Safetensors.read(w).tensors());
        t.remove("classifier.bias");
        Safetensors.write(w, t, Map.of("format", "pt"));
        CheckpointException missing =
                assertThrows(CheckpointException.class, () -> MergedModelLoader.load(full));
        assertEquals(
                w + ": tensor 'classifier.bias': missing (the head needs it)",
                missing.getMessage());
        assertNull(missing.getCause());
    }
}
