package org.adamix.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import onnx.Onnx.ModelProto;
import onnx.Onnx.NodeProto;
import onnx.Onnx.TensorProto;
import org.adamix.model.BertConfig;
import org.adamix.model.names.BertTensorNames;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.protobuf.CodedInputStream;

/** The real all-MiniLM-L6-v2 export (torch 2.0.1, opset 11, unnamed MatMul weights). */
class OnnxMiniLmTest {

    private static Backbone miniLm;
    private static ModelProto raw;

    @BeforeAll
    static void load() throws IOException {
        miniLm = MiniLm.backbone();
        CodedInputStream in = CodedInputStream.newInstance(Files.readAllBytes(MiniLm.onnxFile()));
        in.setSizeLimit(Integer.MAX_VALUE);
        raw = ModelProto.parseFrom(in);
    }

    @Test
    void configFactsAreThoseOfMiniLm() {
        BertConfig c = miniLm.config();
        assertEquals("bert", c.modelType());
        assertEquals(6, c.numLayers());
        assertEquals(384, c.hiddenSize());
        assertEquals(12, c.numHeads());
        assertEquals(32, c.headSize());
        assertEquals(1536, c.intermediateSize());
        assertEquals(30522, c.vocabSize());
        assertEquals(512, c.maxPositions());
        assertEquals(2, c.typeVocabSize());
        assertEquals(1e-12, c.layerNormEps());
        assertEquals("gelu", c.hiddenAct()); // the graph computes Erf: exact GELU
        assertEquals(0, c.positionOffset());
        assertEquals("minilm", miniLm.name());
    }

    @Test
    void everyTensorIsPresentWithItsShapeAndFloat32() {
        Map<String, long[]> expected = BertTensorNames.required(miniLm.config());
        assertEquals(expected.keySet(), miniLm.tensors().keySet()); // this export has no pooler
        assertEquals(101, miniLm.tensors().size());
        expected.forEach(
                (name, shape) -> {
                    assertArrayEquals(shape, miniLm.tensor(name).shape(), name);
                    assertEquals(DataType.FLOAT, miniLm.tensor(name).dataType(), name);
                });
    }

    /**
     * Independently of the reader: for every linear layer, find the Add that uses the named bias,
     * the MatMul feeding it and that MatMul's raw weight; the backbone's weight transposed must be
     * that raw [in, out] initializer, bit for bit.
     */
    @Test
    void unnamedMatMulWeightsAreMappedByFollowingTheGraph() {
        Map<String, NodeProto> producers = new HashMap<>();
        for (NodeProto n : raw.getGraph().getNodeList())
            for (String out : n.getOutputList()) producers.put(out, n);
        Map<String, TensorProto> inits = new HashMap<>();
        for (TensorProto t : raw.getGraph().getInitializerList()) inits.put(t.getName(), t);

        int checked = 0;
        for (int l = 0; l < 6; l++) {
            for (String linear : BertTensorNames.LAYER_LINEARS) {
                String bias = BertTensorNames.layer(l, linear + ".bias");
                List<NodeProto> adds =
                        raw.getGraph().getNodeList().stream()
                                .filter(
                                        n ->
                                                n.getOpType().equals("Add")
                                                        && n.getInputList().contains(bias))
                                .toList();
                assertEquals(1, adds.size(), bias);
                String other =
                        adds.get(0).getInput(0).equals(bias)
                                ? adds.get(0).getInput(1)
                                : adds.get(0).getInput(0);
                NodeProto matMul = producers.get(other);
                assertEquals("MatMul", matMul.getOpType(), bias);
                TensorProto w = inits.get(matMul.getInput(1));
                assertTrue(
                        w.getName().startsWith("onnx::MatMul_"),
                        "exporter left " + bias + "'s weight unnamed");

                float[] rawValues = new float[w.getRawData().size() / 4];
                w.getRawData()
                        .asReadOnlyByteBuffer()
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .asFloatBuffer()
                        .get(rawValues);
                INDArray stored = miniLm.tensor(BertTensorNames.layer(l, linear + ".weight"));
                assertArrayEquals(
                        new long[] {w.getDims(1), w.getDims(0)},
                        stored.shape(),
                        "stored [out, in]");
                assertArrayEquals(
                        floatBits(rawValues),
                        TestBackbones.bits(stored.transpose()),
                        linear + " of layer " + l);
                checked++;
            }
        }
        assertEquals(36, checked);
    }

    @Test
    void queryWeightOfLayer0ComesFromOnnxMatMul787() {
        TensorProto w =
                raw.getGraph().getInitializerList().stream()
                        .filter(t -> t.getName().equals("onnx::MatMul_787"))
                        .findFirst()
                        .orElseThrow();
        float[] rawValues = new float[384 * 384];
        w.getRawData()
                .asReadOnlyByteBuffer()
                .order(ByteOrder.LITTLE_ENDIAN)
                .asFloatBuffer()
                .get(rawValues);
        INDArray q = miniLm.tensor("encoder.layer.0.attention.self.query.weight");
        // stored[out=j][in=i] == raw[in=i][out=j]
        for (int[] ij : new int[][] {{0, 0}, {0, 1}, {5, 300}, {383, 7}, {383, 383}})
            assertEquals(rawValues[ij[0] * 384 + ij[1]], q.getFloat(ij[1], ij[0]));
    }

    @Test
    void namedInitializersAreCopiedBitForBit() {
        for (String name :
                Set.of(
                        BertTensorNames.WORD_EMBEDDINGS,
                        "encoder.layer.3.output.LayerNorm.bias",
                        "encoder.layer.5.intermediate.dense.bias")) {
            TensorProto t =
                    raw.getGraph().getInitializerList().stream()
                            .filter(i -> i.getName().equals(name))
                            .findFirst()
                            .orElseThrow();
            float[] v = new float[t.getRawData().size() / 4];
            t.getRawData()
                    .asReadOnlyByteBuffer()
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .asFloatBuffer()
                    .get(v);
            assertArrayEquals(floatBits(v), TestBackbones.bits(miniLm.tensor(name)), name);
        }
    }

    @Test
    void checksumIsStableAcrossLoads() throws IOException {
        Backbone again = OnnxBackboneReader.read(MiniLm.onnxFile());
        assertEquals(64, miniLm.checksum().length());
        assertEquals(miniLm.checksum(), again.checksum());
        assertEquals(TensorChecksum.sha256(miniLm.tensors()), miniLm.checksum());
    }

    static int[] floatBits(float[] f) {
        int[] b = new int[f.length];
        for (int i = 0; i < f.length; i++) b[i] = Float.floatToRawIntBits(f[i]);
        return b;
    }
}
