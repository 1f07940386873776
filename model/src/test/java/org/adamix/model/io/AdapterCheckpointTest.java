package org.adamix.model.io;

import static org.adamix.model.BitExact.assertBitIdentical;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import org.adamix.model.AdaMixModel;
import org.adamix.model.AdaptationConfig;
import org.adamix.model.Batch;
import org.adamix.model.BertConfig;
import org.adamix.model.HeadConfig;
import org.adamix.model.Method;
import org.adamix.model.OptimizerConfig;
import org.adamix.model.RandomBackbone;
import org.adamix.model.checkpoint.Backbone;
import org.adamix.model.checkpoint.CheckpointException;
import org.adamix.model.checkpoint.Safetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

class AdapterCheckpointTest {
    static final BertConfig C = BertConfig.tiny(30, 16, 2, 2, 32, 16, "gelu");

    static Batch batch(int i) {
        int[][] ids = {{1, 2 + i % 5, 3, 4}, {1, 5, 6}, {1, 7, 8 + i % 3, 9, 10}};
        return Batch.of(ids, null, new double[] {i % 2, 1, 0}, 2, false, DataType.FLOAT);
    }

    @Test
    void savedAndResumedTrainingEqualsUninterrupted(@TempDir Path tmp) throws Exception {
        Backbone bb = RandomBackbone.create(C, 3, false);
        AdaptationConfig a = AdaptationConfig.of(Method.ADAMIX_ADAPTER, 4);
        AdaMixModel straight =
                AdaMixModel.build(
                        bb, a, HeadConfig.classification(2), OptimizerConfig.paper(1e-2, 10), 5);
        AdaMixModel first =
                AdaMixModel.build(
                        bb, a, HeadConfig.classification(2), OptimizerConfig.paper(1e-2, 10), 5);
        for (int i = 0; i < 4; i++) {
            straight.fit(batch(i));
            first.fit(batch(i));
        }
        AdapterCheckpoint.save(first, tmp.resolve("ckpt"), true, List.of("neg", "pos"));
        AdaMixModel resumed = AdapterCheckpoint.load(tmp.resolve("ckpt"), bb);
        assertBitIdentical(
                first.trainableParams(), resumed.trainableParams(), "weights after save and load");
        assertBitIdentical(
                first.updaterState(), resumed.updaterState(), "Adam state after save and load");
        assertEquals(4, resumed.step());
        for (int i = 4; i < 8; i++) {
            straight.fit(batch(i));
            resumed.fit(batch(i));
        }
        assertBitIdentical(
                straight.trainableParams(),
                resumed.trainableParams(),
                "resume differs from the uninterrupted run");
        assertEquals(
                List.of("neg", "pos"), AdapterCheckpoint.readConfig(tmp.resolve("ckpt")).labels());
        assertTrue(
                Files.list(tmp).allMatch(p -> p.getFileName().toString().equals("ckpt")),
                "temporary folders left behind");
    }

    @Test
    void refusesAnotherBackboneAndBrokenWeights(@TempDir Path tmp) throws Exception {
        Backbone bb = RandomBackbone.create(C, 3, false);
        AdaMixModel m =
                AdaMixModel.build(
                        bb,
                        AdaptationConfig.of(Method.LORA, 4),
                        HeadConfig.classification(2),
                        OptimizerConfig.adam(1e-3),
                        5);
        Path dir = tmp.resolve("lora");
        AdapterCheckpoint.save(m, dir, false, null);
        CheckpointException other =
                assertThrows(
                        CheckpointException.class,
                        () -> AdapterCheckpoint.load(dir, RandomBackbone.create(C, 4, false)));
        assertTrue(
                other.getMessage().contains("trained on backbone 'random-3'"), other.getMessage());

        var tensors =
                new LinkedHashMap<>(
                        Safetensors.read(dir.resolve(AdapterCheckpoint.WEIGHTS)).tensors());
        tensors.remove("layer1.attention.lora.value.B");
        Safetensors.write(dir.resolve(AdapterCheckpoint.WEIGHTS), tensors, java.util.Map.of());
        CheckpointException missing =
                assertThrows(CheckpointException.class, () -> AdapterCheckpoint.load(dir, bb));
        assertEquals(
                dir.resolve(AdapterCheckpoint.WEIGHTS)
                        + ": tensor 'layer1.attention.lora.value.B': missing tensor",
                missing.getMessage());
    }
}
