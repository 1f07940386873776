package org.adamix.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.Map;
import org.adamix.model.names.BertTensorNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class BackboneValidatorTest {

    @TempDir Path tmp;

    private static String failure(Map<String, INDArray> tensors) {
        Backbone b = Backbone.of(TestBackbones.tinyBert(), tensors, "tiny");
        return assertThrows(CheckpointException.class, () -> BackboneValidator.validate(b))
                .getMessage();
    }

    @Test
    void aCompleteBackbonePasses() throws CheckpointException {
        BackboneValidator.validate(TestBackbones.random(TestBackbones.tinyBert(), 1, false));
        BackboneValidator.validate(TestBackbones.random(TestBackbones.tinyBert(), 1, true));
    }

    @Test
    void missingTensor() {
        Map<String, INDArray> t = TestBackbones.randomTensors(TestBackbones.tinyBert(), 1, false);
        t.remove("encoder.layer.1.attention.self.value.bias");
        assertEquals(
                "backbone 'tiny': tensor 'encoder.layer.1.attention.self.value.bias': missing",
                failure(t));
    }

    @Test
    void wrongShape() {
        Map<String, INDArray> t = TestBackbones.randomTensors(TestBackbones.tinyBert(), 1, false);
        t.put(
                "encoder.layer.0.intermediate.dense.weight",
                Nd4j.zeros(DataType.FLOAT, 8, 16)); // [in, out]: not transposed
        assertEquals(
                "backbone 'tiny': tensor 'encoder.layer.0.intermediate.dense.weight': expected shape [16, 8], found [8, 16]",
                failure(t));
    }

    @Test
    void wrongDtype() {
        Map<String, INDArray> t = TestBackbones.randomTensors(TestBackbones.tinyBert(), 1, false);
        t.put("embeddings.LayerNorm.bias", Nd4j.zeros(DataType.DOUBLE, 8));
        assertEquals(
                "backbone 'tiny': tensor 'embeddings.LayerNorm.bias': dtype DOUBLE, expected FLOAT (float32)",
                failure(t));
    }

    @Test
    void halfAPooler() {
        Map<String, INDArray> t = TestBackbones.randomTensors(TestBackbones.tinyBert(), 1, false);
        t.put("pooler.dense.weight", Nd4j.zeros(DataType.FLOAT, 8, 8));
        assertEquals(
                "backbone 'tiny': tensor 'pooler.dense.bias': missing (the pooler needs both weight and bias)",
                failure(t));
    }

    @Test
    void unexpectedTensor() {
        Map<String, INDArray> t = TestBackbones.randomTensors(TestBackbones.tinyBert(), 1, false);
        t.put("encoder.layer.2.output.dense.bias", Nd4j.zeros(DataType.FLOAT, 8));
        assertEquals(
                "backbone 'tiny': tensor 'encoder.layer.2.output.dense.bias': unexpected: not part of a 2-layer bert backbone",
                failure(t));
    }

    @Test
    void writerValidatesBeforeWriting() {
        Map<String, INDArray> t = TestBackbones.randomTensors(TestBackbones.tinyBert(), 1, false);
        t.remove(BertTensorNames.WORD_EMBEDDINGS);
        Backbone b = Backbone.of(TestBackbones.tinyBert(), t, "tiny");
        CheckpointException e =
                assertThrows(
                        CheckpointException.class,
                        () -> HfFolderWriter.write(b, tmp.resolve("out")));
        assertEquals(
                "backbone 'tiny': tensor 'embeddings.word_embeddings.weight': missing",
                e.getMessage());
        assertEquals(false, java.nio.file.Files.exists(tmp.resolve("out")));
    }
}
