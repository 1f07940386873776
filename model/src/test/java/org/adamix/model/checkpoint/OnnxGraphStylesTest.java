package org.adamix.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.adamix.model.BertConfig;
import org.adamix.model.names.BertTensorNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ONNX reader against graphs in the styles of different exporters, built from weights we know:
 * what comes back must be exactly those weights (same checksum) and the same architecture.
 */
class OnnxGraphStylesTest {

    @TempDir Path tmp;

    private Backbone roundTrip(Backbone b, TinyOnnx.Options o) throws IOException {
        Backbone read = OnnxBackboneReader.read(TinyOnnx.write(b, o, tmp.resolve("tiny.onnx")));
        TestBackbones.assertBitIdentical(b.tensors(), read.tensors());
        assertEquals(b.checksum(), read.checksum());
        assertEquals("tiny", read.name());
        return read;
    }

    @Test
    void torchStyleUnnamedMatMulsDecomposedLayerNormErf() throws IOException {
        Backbone b = TestBackbones.random(TestBackbones.tinyBert(), 1, false);
        assertEquals(b.config(), roundTrip(b, TinyOnnx.Options.torch()).config());
    }

    @Test
    void gemmWithNamedWeightsLayerNormalizationOpAndTanhGelu() throws IOException {
        BertConfig c =
                new BertConfig("bert", 40, 12, 1, 3, 20, 10, 2, 1e-5, "gelu_new", 0.1, 0.1, 0);
        Backbone b = TestBackbones.random(c, 2, true);
        TinyOnnx.Options o =
                TinyOnnx.Options.torch()
                        .linears(TinyOnnx.Linears.GEMM_NAMED)
                        .layerNormOp(true)
                        .erf(false)
                        .concatShape(false);
        Backbone read = roundTrip(b, o);
        assertEquals(c, read.config());
        assertTrue(read.hasPooler());
    }

    @Test
    void transposedNamedWeightsWithBertPrefix() throws IOException {
        Backbone b = TestBackbones.random(TestBackbones.tinyBert(), 3, true);
        TinyOnnx.Options o =
                TinyOnnx.Options.torch().linears(TinyOnnx.Linears.TRANSPOSED_NAMED).prefix("bert.");
        assertEquals(b.config(), roundTrip(b, o).config());
    }

    @Test
    void tiedMlmHeadDoesNotSwallowTheWordEmbeddings() throws IOException {
        Backbone b = TestBackbones.random(TestBackbones.tinyBert(), 4, false);
        Backbone read = roundTrip(b, TinyOnnx.Options.torch()); // torch() includes a tied MLM head
        assertEquals(
                b.tensor(BertTensorNames.WORD_EMBEDDINGS).getFloat(3, 5),
                read.tensor(BertTensorNames.WORD_EMBEDDINGS).getFloat(3, 5));
    }

    @Test
    void robertaPrefixMakesARobertaConfig() throws IOException {
        Backbone b = TestBackbones.random(TestBackbones.tinyRoberta(), 5, false);
        Backbone read = roundTrip(b, TinyOnnx.Options.torch().prefix("roberta.").layerNormOp(true));
        assertEquals(b.config(), read.config());
        assertEquals(2, read.config().positionOffset());
    }

    @Test
    void loaderAcceptsAFolderWithModelOnnx() throws IOException {
        Backbone b = TestBackbones.random(TestBackbones.tinyBert(), 6, false);
        Path dir = tmp.resolve("exported");
        java.nio.file.Files.createDirectories(dir);
        TinyOnnx.write(b, TinyOnnx.Options.torch(), dir.resolve("model.onnx"));
        Backbone read = BackboneLoader.load(dir);
        assertEquals(b.checksum(), read.checksum());
        assertEquals("exported", read.name());
    }
}
