package org.adamix.model.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import onnx.Onnx.AttributeProto;
import onnx.Onnx.GraphProto;
import onnx.Onnx.ModelProto;
import onnx.Onnx.NodeProto;
import onnx.Onnx.OperatorSetIdProto;
import onnx.Onnx.TensorProto;
import onnx.Onnx.ValueInfoProto;
import org.adamix.model.BertConfig;
import org.adamix.model.names.BertTensorNames;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.protobuf.ByteString;

/**
 * Builds an ONNX graph of a BERT encoder from a backbone, in the styles different exporters use, so
 * the reader's graph-following can be tested against weights we know. The graphs are wired like
 * real exports; they are not meant to be executed.
 */
final class TinyOnnx {

    /** How linear layers appear. */
    enum Linears {
        /** torch.onnx: MatMul(x, onnx::MatMul_N [in, out]) then Add(named bias, ·). */
        TORCH_MATMUL,
        /** Gemm(x, named W [out, in], named bias, transB = 1). */
        GEMM_NAMED,
        /** MatMul(x, Transpose(named W [out, in])) then Add(·, named bias). */
        TRANSPOSED_NAMED
    }

    record Options(
            Linears linears,
            boolean erf,
            boolean layerNormOp,
            boolean concatShape,
            boolean headsReshape,
            String prefix,
            boolean tiedLmHead,
            Set<String> omit) {

        static Options torch() {
            return new Options(Linears.TORCH_MATMUL, true, false, true, true, "", true, Set.of());
        }

        Options linears(Linears l) {
            return new Options(
                    l, erf, layerNormOp, concatShape, headsReshape, prefix, tiedLmHead, omit);
        }

        Options erf(boolean e) {
            return new Options(
                    linears, e, layerNormOp, concatShape, headsReshape, prefix, tiedLmHead, omit);
        }

        Options layerNormOp(boolean ln) {
            return new Options(
                    linears, erf, ln, concatShape, headsReshape, prefix, tiedLmHead, omit);
        }

        Options concatShape(boolean c) {
            return new Options(
                    linears, erf, layerNormOp, c, headsReshape, prefix, tiedLmHead, omit);
        }

        Options headsReshape(boolean h) {
            return new Options(linears, erf, layerNormOp, concatShape, h, prefix, tiedLmHead, omit);
        }

        Options prefix(String p) {
            return new Options(
                    linears, erf, layerNormOp, concatShape, headsReshape, p, tiedLmHead, omit);
        }

        Options omit(String... names) {
            return new Options(
                    linears,
                    erf,
                    layerNormOp,
                    concatShape,
                    headsReshape,
                    prefix,
                    tiedLmHead,
                    Set.of(names));
        }
    }

    private final GraphProto.Builder g = GraphProto.newBuilder().setName("tiny-bert");
    private final Map<String, INDArray> t;
    private final BertConfig c;
    private final Options o;
    private int counter;

    private TinyOnnx(Backbone b, Options o) {
        this.t = b.tensors();
        this.c = b.config();
        this.o = o;
    }

    static Path write(Backbone b, Options o, Path file) throws IOException {
        Files.write(file, build(b, o).toByteArray());
        return file;
    }

    static ModelProto build(Backbone b, Options o) {
        TinyOnnx x = new TinyOnnx(b, o);
        x.encoder();
        return ModelProto.newBuilder()
                .setIrVersion(8)
                .setProducerName("adamix-test")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(17))
                .setGraph(x.g)
                .build();
    }

    private void encoder() {
        for (String in : List.of("input_ids", "token_type_ids", "position_ids"))
            g.addInput(ValueInfoProto.newBuilder().setName(in));
        String words = node("Gather", named(BertTensorNames.WORD_EMBEDDINGS), "input_ids");
        String types =
                node("Gather", named(BertTensorNames.TOKEN_TYPE_EMBEDDINGS), "token_type_ids");
        String positions =
                node("Gather", named(BertTensorNames.POSITION_EMBEDDINGS), "position_ids");
        String x =
                layerNorm(
                        node("Add", node("Add", words, types), positions),
                        BertTensorNames.EMBEDDINGS_LAYER_NORM);
        for (int l = 0; l < c.numLayers(); l++) x = layer(x, l);
        g.addOutput(ValueInfoProto.newBuilder().setName(x));
        if (t.containsKey("pooler.dense.weight")) {
            String first = node("Gather", List.of(x, scalarLong(0)), ints("axis", 1));
            g.addOutput(
                    ValueInfoProto.newBuilder()
                            .setName(node("Tanh", linear(first, "pooler.dense"))));
        }
        if (o.tiedLmHead()) {
            // an MLM head sharing the word embeddings: must not be mistaken for a backbone linear
            String logits =
                    node("MatMul", x, node("Transpose", named(BertTensorNames.WORD_EMBEDDINGS)));
            float[] zeros = new float[c.vocabSize()];
            initializer("cls.predictions.bias", zeros, new long[] {c.vocabSize()});
            g.addOutput(
                    ValueInfoProto.newBuilder()
                            .setName(node("Add", logits, "cls.predictions.bias")));
        }
    }

    private String layer(String x, int l) {
        String p = "encoder.layer." + l + ".";
        String q = heads(linear(x, p + "attention.self.query"));
        String k = heads(linear(x, p + "attention.self.key"));
        String v = heads(linear(x, p + "attention.self.value"));
        String scores =
                node(
                        "Div",
                        node("MatMul", q, node("Transpose", List.of(k), ints("perm", 0, 1, 3, 2))),
                        constFloat((float) Math.sqrt(c.headSize())));
        String context = node("MatMul", node("Softmax", List.of(scores), ints("axis", 3)), v);
        if (o.headsReshape())
            context =
                    node(
                            "Reshape",
                            node("Transpose", List.of(context), ints("perm", 0, 2, 1, 3)),
                            initLongs(0, 0, c.hiddenSize()));
        String attn =
                layerNorm(
                        node("Add", linear(context, p + "attention.output.dense"), x),
                        p + "attention.output.LayerNorm");
        String h = linear(attn, p + "intermediate.dense");
        String act;
        if (o.erf()) {
            String erf = node("Erf", node("Div", h, constFloat((float) Math.sqrt(2))));
            act = node("Mul", node("Mul", h, node("Add", erf, constFloat(1))), constFloat(0.5f));
        } else {
            String cube = node("Mul", node("Pow", h, constFloat(3)), constFloat(0.044715f));
            String tanh =
                    node(
                            "Tanh",
                            node(
                                    "Mul",
                                    node("Add", h, cube),
                                    constFloat((float) Math.sqrt(2 / Math.PI))));
            act = node("Mul", node("Mul", h, node("Add", tanh, constFloat(1))), constFloat(0.5f));
        }
        return layerNorm(
                node("Add", linear(act, p + "output.dense"), attn), p + "output.LayerNorm");
    }

    /** [batch, seq, hidden] -> [batch, heads, seq, head_size] the way exporters write it. */
    private String heads(String x) {
        if (!o.headsReshape()) return x;
        String shape;
        if (o.concatShape()) {
            String s = node("Shape", x);
            String batch =
                    node(
                            "Unsqueeze",
                            List.of(node("Gather", List.of(s, scalarLong(0)), ints("axis", 0))),
                            ints("axes", 0));
            String seq =
                    node(
                            "Unsqueeze",
                            List.of(node("Gather", List.of(s, scalarLong(1)), ints("axis", 0))),
                            ints("axes", 0));
            shape =
                    node(
                            "Concat",
                            List.of(batch, seq, constLongs(c.numHeads()), constLongs(c.headSize())),
                            ints("axis", 0));
        } else {
            shape = initLongs(0, 0, c.numHeads(), c.headSize());
        }
        return node("Transpose", List.of(node("Reshape", x, shape)), ints("perm", 0, 2, 1, 3));
    }

    private String linear(String x, String layer) {
        INDArray w = t.get(layer + ".weight");
        String bias = named(layer + ".bias");
        switch (o.linears()) {
            case TORCH_MATMUL -> {
                String name = "onnx::MatMul_" + (700 + counter++);
                if (!o.omit().contains(layer + ".weight"))
                    initializer(
                            name,
                            Float32.toFloats(w.transpose()),
                            new long[] {w.size(1), w.size(0)});
                return node("Add", bias, node("MatMul", x, name));
            }
            case GEMM_NAMED -> {
                return node("Gemm", List.of(x, named(layer + ".weight"), bias), ints("transB", 1));
            }
            default -> {
                return node(
                        "Add",
                        node(
                                "MatMul",
                                x,
                                node(
                                        "Transpose",
                                        List.of(named(layer + ".weight")),
                                        ints("perm", 1, 0))),
                        bias);
            }
        }
    }

    private String layerNorm(String x, String prefix) {
        String gamma = named(prefix + ".weight"), beta = named(prefix + ".bias");
        float eps = (float) c.layerNormEps();
        if (o.layerNormOp()) {
            AttributeProto epsilon =
                    AttributeProto.newBuilder()
                            .setName("epsilon")
                            .setType(AttributeProto.AttributeType.FLOAT)
                            .setF(eps)
                            .build();
            return node("LayerNormalization", List.of(x, gamma, beta), epsilon, ints("axis", -1));
        }
        String mean = node("ReduceMean", List.of(x), ints("axes", -1));
        String d = node("Sub", x, mean);
        String var = node("ReduceMean", List.of(node("Pow", d, constFloat(2))), ints("axes", -1));
        String norm = node("Div", d, node("Sqrt", node("Add", var, constFloat(eps))));
        return node("Add", node("Mul", norm, gamma), beta);
    }

    /** The initializer for a canonical name (with the options' prefix), unless omitted. */
    private String named(String canonical) {
        String name = o.prefix() + canonical;
        if (!o.omit().contains(canonical)
                && g.getInitializerList().stream().noneMatch(i -> i.getName().equals(name))) {
            INDArray a = t.get(canonical);
            initializer(name, Float32.toFloats(a), a.shape());
        }
        return name;
    }

    private void initializer(String name, float[] data, long[] shape) {
        g.addInitializer(
                TensorProto.newBuilder()
                        .setName(name)
                        .setDataType(TensorProto.DataType.FLOAT_VALUE)
                        .addAllDims(Arrays.stream(shape).boxed().toList())
                        .setRawData(ByteString.copyFrom(RawSafetensors.floatsLe(data))));
    }

    private String initLongs(long... v) {
        String name = "shape_" + counter++;
        g.addInitializer(
                TensorProto.newBuilder()
                        .setName(name)
                        .setDataType(TensorProto.DataType.INT64_VALUE)
                        .addDims(v.length)
                        .setRawData(ByteString.copyFrom(RawSafetensors.longsLe(v))));
        return name;
    }

    private String constLongs(long... v) {
        return constant(
                TensorProto.newBuilder()
                        .setDataType(TensorProto.DataType.INT64_VALUE)
                        .addDims(v.length)
                        .setRawData(ByteString.copyFrom(RawSafetensors.longsLe(v)))
                        .build());
    }

    private String scalarLong(long v) {
        return constant(
                TensorProto.newBuilder()
                        .setDataType(TensorProto.DataType.INT64_VALUE)
                        .setRawData(ByteString.copyFrom(RawSafetensors.longsLe(v)))
                        .build());
    }

    private String constFloat(float v) {
        return constant(
                TensorProto.newBuilder()
                        .setDataType(TensorProto.DataType.FLOAT_VALUE)
                        .setRawData(ByteString.copyFrom(RawSafetensors.floatsLe(v)))
                        .build());
    }

    private String constant(TensorProto value) {
        return node(
                "Constant",
                List.of(),
                AttributeProto.newBuilder()
                        .setName("value")
                        .setType(AttributeProto.AttributeType.TENSOR)
                        .setT(value)
                        .build());
    }

    private static AttributeProto ints(String name, long... v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name);
        if (v.length == 1 && !name.equals("perm") && !name.equals("axes"))
            return a.setType(AttributeProto.AttributeType.INT).setI(v[0]).build();
        return a.setType(AttributeProto.AttributeType.INTS)
                .addAllInts(Arrays.stream(v).boxed().toList())
                .build();
    }

    private String node(String op, String... inputs) {
        return node(op, List.of(inputs));
    }

    private String node(String op, List<String> inputs, AttributeProto... attributes) {
        String name = "/" + op + "_" + counter++;
        String out = name + "_output_0";
        g.addNode(
                NodeProto.newBuilder()
                        .setOpType(op)
                        .setName(name)
                        .addAllInput(new ArrayList<>(inputs))
                        .addOutput(out)
                        .addAllAttribute(List.of(attributes)));
        return out;
    }
}
