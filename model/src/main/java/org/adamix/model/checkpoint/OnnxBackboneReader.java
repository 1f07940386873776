package org.adamix.model.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import onnx.Onnx.AttributeProto;
import onnx.Onnx.ModelProto;
import onnx.Onnx.NodeProto;
import onnx.Onnx.TensorProto;
import org.adamix.model.BertConfig;
import org.adamix.model.names.BertTensorNames;
import org.adamix.model.names.HfNames;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.protobuf.CodedInputStream;
import org.nd4j.shade.protobuf.InvalidProtocolBufferException;

/**
 * Imports a BERT-family encoder exported to ONNX (e.g. by torch.onnx): weights from the float
 * initializers, architecture facts from the graph.
 *
 * <p>Exporters often leave linear weights unnamed ({@code onnx::MatMul_787}, stored [in, out]
 * because MatMul computes x·W). Such a weight is named by following the graph: MatMul → Add with a
 * named bias initializer ({@code ...query.bias}) → the weight is {@code ...query.weight},
 * transposed to [out, in]. Gemm (bias as third input, transB) and a Transpose in front of the
 * MatMul are understood too.
 */
public final class OnnxBackboneReader {

    public static final String MODEL_FILE = "model.onnx";

    /** A linear layer found in the graph: where its weight lives and the value it produces. */
    private record Linear(String weight, boolean storedInOut, String bias, String output) {}

    private OnnxBackboneReader() {}

    public static Backbone read(Path file) throws IOException {
        OnnxGraph g = new OnnxGraph(parse(file).getGraph());
        Map<String, INDArray> tensors = new TreeMap<>();
        Map<String, String> origin = new HashMap<>(); // canonical name -> ONNX initializer
        Map<String, String> projections =
                new HashMap<>(); // linear layer (name without .weight) -> its output value
        mapLinearWeights(file, g, tensors, origin, projections);
        mapNamedInitializers(file, g, tensors, origin);
        BertConfig config = deriveConfig(file, g, tensors, origin, projections);
        Backbone b = Backbone.of(config, tensors, nameOf(file));
        BackboneValidator.validate(b, file);
        return b;
    }

    private static ModelProto parse(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new CheckpointException(file, "not found");
        byte[] bytes = Files.readAllBytes(file);
        ModelProto model;
        try {
            CodedInputStream in = CodedInputStream.newInstance(bytes);
            in.enableAliasing(true); // raw_data then points into `bytes` instead of being copied
            in.setSizeLimit(Integer.MAX_VALUE);
            model = ModelProto.parseFrom(in);
        } catch (InvalidProtocolBufferException e) {
            throw new CheckpointException(
                    file,
                    "cannot parse the ONNX protobuf (file truncated or not an ONNX model)",
                    e);
        }
        if (!model.hasGraph() || model.getGraph().getNodeCount() == 0)
            throw new CheckpointException(file, "not an ONNX model: it has no graph");
        return model;
    }

    // ---- weights -------------------------------------------------------------------------------

    private static void mapLinearWeights(
            Path file,
            OnnxGraph g,
            Map<String, INDArray> tensors,
            Map<String, String> origin,
            Map<String, String> projections)
            throws CheckpointException {
        for (NodeProto n : g.graph.getNodeList()) {
            Linear lin =
                    switch (n.getOpType()) {
                        case "MatMul" -> matMul(g, n);
                        case "Gemm" -> gemm(g, n);
                        default -> null;
                    };
            if (lin == null) continue;
            String target = linearWeightName(lin);
            if (target == null) continue; // e.g. a task head: not part of the backbone
            TensorProto w = g.initializers.get(lin.weight());
            long[] shape = OnnxTensors.shape(w);
            if (shape.length != 2 || !OnnxTensors.isFloat(w))
                throw new CheckpointException(
                        file,
                        target,
                        "the weight '"
                                + lin.weight()
                                + "' of node '"
                                + n.getName()
                                + "' is not a 2-D float matrix ("
                                + OnnxTensors.typeName(w)
                                + " "
                                + java.util.Arrays.toString(shape)
                                + ")");
            float[] data = OnnxTensors.floats(file, w, lin.weight());
            INDArray weight =
                    lin.storedInOut()
                            ? Float32.create(
                                    transpose(data, (int) shape[0], (int) shape[1]),
                                    new long[] {shape[1], shape[0]})
                            : Float32.create(data, shape);
            put(file, tensors, origin, target, weight, lin.weight());
            projections.put(
                    target.substring(0, target.length() - ".weight".length()), lin.output());
        }
    }

    /**
     * MatMul(x, W) with W an initializer ([in, out]) or Transpose(W) (W [out, in]), then Add(bias).
     */
    private static Linear matMul(OnnxGraph g, NodeProto n) {
        String b = OnnxGraph.input(n, 1);
        String weight;
        boolean inOut;
        NodeProto p = g.producer(b);
        if (g.initializers.containsKey(b)) {
            weight = b;
            inOut = true;
        } else if (p != null
                && p.getOpType().equals("Transpose")
                && g.initializers.containsKey(OnnxGraph.input(p, 0))
                && isMatrixTranspose(p)) {
            weight = OnnxGraph.input(p, 0);
            inOut = false;
        } else {
            return null; // activations times activations (attention scores), not a linear layer
        }
        String out = n.getOutput(0);
        for (NodeProto c : g.consumers(out)) {
            if (!c.getOpType().equals("Add") || c.getInputCount() != 2) continue;
            String other = c.getInput(0).equals(out) ? c.getInput(1) : c.getInput(0);
            if (g.initializers.containsKey(other))
                return new Linear(weight, inOut, other, c.getOutput(0));
        }
        return new Linear(weight, inOut, null, out);
    }

    /** Gemm(x, W, bias): W is [out, in] when transB = 1, else [in, out]. */
    private static Linear gemm(OnnxGraph g, NodeProto n) {
        AttributeProto transA = OnnxGraph.attribute(n, "transA"),
                transB = OnnxGraph.attribute(n, "transB");
        String b = OnnxGraph.input(n, 1), c = OnnxGraph.input(n, 2);
        if ((transA != null && transA.getI() != 0) || !g.initializers.containsKey(b)) return null;
        String bias = g.initializers.containsKey(c) ? c : null;
        return new Linear(b, transB == null || transB.getI() == 0, bias, n.getOutput(0));
    }

    private static boolean isMatrixTranspose(NodeProto t) {
        AttributeProto perm = OnnxGraph.attribute(t, "perm");
        return perm == null || perm.getIntsList().equals(List.of(1L, 0L));
    }

    /** The canonical weight name: from the bias it feeds (preferred) or from its own name. */
    private static String linearWeightName(Linear lin) {
        String bias = lin.bias() == null ? null : HfNames.canonical(lin.bias());
        if (bias != null && BertTensorNames.isLinearBias(bias))
            return bias.substring(0, bias.length() - "bias".length()) + "weight";
        String weight = HfNames.canonical(lin.weight());
        if (weight != null
                && weight.endsWith(".weight")
                && BertTensorNames.isLinearBias(
                        weight.substring(0, weight.length() - "weight".length()) + "bias"))
            return weight;
        return null;
    }

    private static float[] transpose(float[] a, int rows, int cols) {
        float[] t = new float[a.length];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j];
        return t;
    }

    /** Initializers already carrying a canonical name (embeddings, biases, LayerNorms). */
    private static void mapNamedInitializers(
            Path file, OnnxGraph g, Map<String, INDArray> tensors, Map<String, String> origin)
            throws CheckpointException {
        Set<String> usedAsLinear = new HashSet<>(origin.values());
        for (TensorProto t : g.initializers.values()) {
            String canonical = HfNames.canonical(t.getName());
            if (canonical == null || usedAsLinear.contains(t.getName())) continue;
            if (!OnnxTensors.isFloat(t))
                throw new CheckpointException(
                        file,
                        canonical,
                        "initializer '"
                                + t.getName()
                                + "' has ONNX type "
                                + OnnxTensors.typeName(t)
                                + ", expected FLOAT");
            put(
                    file,
                    tensors,
                    origin,
                    canonical,
                    Float32.create(OnnxTensors.floats(file, t, t.getName()), OnnxTensors.shape(t)),
                    t.getName());
        }
    }

    private static void put(
            Path file,
            Map<String, INDArray> tensors,
            Map<String, String> origin,
            String canonical,
            INDArray value,
            String initializer)
            throws CheckpointException {
        String earlier = origin.putIfAbsent(canonical, initializer);
        if (earlier != null)
            throw new CheckpointException(
                    file,
                    canonical,
                    "found twice in the graph, from initializers '"
                            + earlier
                            + "' and '"
                            + initializer
                            + "'");
        tensors.put(canonical, value);
    }

    // ---- architecture --------------------------------------------------------------------------

    private static BertConfig deriveConfig(
            Path file,
            OnnxGraph g,
            Map<String, INDArray> tensors,
            Map<String, String> origin,
            Map<String, String> projections)
            throws CheckpointException {
        long[] word = shape(file, tensors, BertTensorNames.WORD_EMBEDDINGS);
        long[] positions = shape(file, tensors, BertTensorNames.POSITION_EMBEDDINGS);
        long[] types = shape(file, tensors, BertTensorNames.TOKEN_TYPE_EMBEDDINGS);
        int hidden = (int) word[1];
        int layers = countLayers(file, tensors);
        long[] ffn = shape(file, tensors, BertTensorNames.layer(0, "intermediate.dense.bias"));
        int heads = findHeads(file, g, projections, hidden);
        boolean roberta = g.initializers.keySet().stream().anyMatch(n -> n.startsWith("roberta."));
        try {
            return new BertConfig(
                    roberta ? "roberta" : "bert",
                    (int) word[0],
                    hidden,
                    layers,
                    heads,
                    (int) ffn[0],
                    (int) positions[0],
                    (int) types[0],
                    findLayerNormEps(g, origin),
                    activation(g),
                    0.1,
                    0.1,
                    roberta ? 1 : 0); // dropout is not in an inference graph: the BERT default
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file, "inconsistent architecture: " + e.getMessage());
        }
    }

    private static long[] shape(Path file, Map<String, INDArray> tensors, String name)
            throws CheckpointException {
        INDArray t = tensors.get(name);
        if (t == null) throw new CheckpointException(file, name, "missing");
        return t.shape();
    }

    private static int countLayers(Path file, Map<String, INDArray> tensors)
            throws CheckpointException {
        int layers = 0;
        for (String name : tensors.keySet()) {
            if (!name.startsWith("encoder.layer.")) continue;
            String rest = name.substring("encoder.layer.".length());
            layers = Math.max(layers, Integer.parseInt(rest.substring(0, rest.indexOf('.'))) + 1);
        }
        if (layers == 0)
            throw new CheckpointException(
                    file, "no encoder layers found (no initializer named encoder.layer.N.*)");
        return layers;
    }

    /**
     * Heads come from the Reshape that splits layer 0's query (or key/value) projection into
     * [batch, seq, heads, head_size]; its shape is a constant or a Concat of dynamic batch/seq
     * sizes with constant heads and head_size.
     */
    private static int findHeads(
            Path file, OnnxGraph g, Map<String, String> projections, int hidden)
            throws CheckpointException {
        for (String qkv : List.of("query", "key", "value")) {
            String start = projections.get(BertTensorNames.layer(0, "attention.self." + qkv));
            if (start == null) continue;
            // walk a few nodes downstream: some exporters scale or cast before the Reshape
            Deque<String> frontier = new ArrayDeque<>(List.of(start));
            Set<String> seen = new HashSet<>();
            for (int depth = 0; depth < 4 && !frontier.isEmpty(); depth++) {
                Deque<String> next = new ArrayDeque<>();
                for (String v : frontier) {
                    if (!seen.add(v)) continue;
                    for (NodeProto c : g.consumers(v)) {
                        if (c.getOpType().equals("Reshape") && OnnxGraph.input(c, 0).equals(v)) {
                            Long[] dims = shapeValues(g, OnnxGraph.input(c, 1));
                            if (dims != null
                                    && dims.length == 4
                                    && dims[2] != null
                                    && dims[2] > 0
                                    && hidden % dims[2] == 0
                                    && (dims[3] == null
                                            || dims[3] == -1
                                            || dims[3] == hidden / dims[2]))
                                return (int) (long) dims[2];
                        } else if (List.of("Mul", "Div", "Cast", "Identity")
                                .contains(c.getOpType())) {
                            next.addAll(c.getOutputList());
                        }
                    }
                }
                frontier = next;
            }
        }
        throw new CheckpointException(
                file,
                "cannot find the number of attention heads: no Reshape of the output of "
                        + BertTensorNames.layer(0, "attention.self.query")
                        + " to [batch, seq, heads, head_size] with constant heads");
    }

    /**
     * The entries of a shape value; null entries are dynamic. Null when the shape cannot be traced.
     */
    private static Long[] shapeValues(OnnxGraph g, String value) {
        TensorProto c = g.constant(value);
        if (c != null) {
            long[] v = OnnxTensors.longs(c);
            return v == null ? null : java.util.Arrays.stream(v).boxed().toArray(Long[]::new);
        }
        NodeProto p = g.producer(value);
        if (p == null || !p.getOpType().equals("Concat")) return null;
        List<Long> dims = new ArrayList<>();
        for (String in : p.getInputList()) {
            TensorProto part = g.constant(in);
            long[] v = part == null ? null : OnnxTensors.longs(part);
            if (v != null) {
                for (long d : v) dims.add(d);
            } else if (g.producer(in) != null && g.producer(in).getOpType().equals("Unsqueeze")) {
                dims.add(null); // a dynamic scalar (batch or sequence length) made 1-D
            } else {
                return null;
            }
        }
        return dims.toArray(Long[]::new);
    }

    /**
     * The epsilon of the embeddings LayerNorm: an epsilon attribute on the node using the gamma
     * (LayerNormalization and fused variants), or in the decomposed form gamma * ((x - mean) /
     * Sqrt(var + eps)) the scalar added before the Sqrt. Default 1e-12.
     */
    private static double findLayerNormEps(OnnxGraph g, Map<String, String> origin) {
        String gamma = origin.get(BertTensorNames.EMBEDDINGS_LAYER_NORM + ".weight");
        if (gamma == null) return 1e-12;
        for (NodeProto c : g.consumers(gamma)) {
            AttributeProto eps = OnnxGraph.attribute(c, "epsilon");
            if (eps != null) return exactDecimal(eps.getF());
            if (c.getOpType().equals("LayerNormalization")) return 1e-5; // the ONNX default
            if (!c.getOpType().equals("Mul")) continue;
            NodeProto div =
                    g.producer(c.getInput(0).equals(gamma) ? OnnxGraph.input(c, 1) : c.getInput(0));
            if (div == null || !div.getOpType().equals("Div")) continue;
            NodeProto sqrt = g.producer(OnnxGraph.input(div, 1));
            if (sqrt == null || !sqrt.getOpType().equals("Sqrt")) continue;
            NodeProto add = g.producer(OnnxGraph.input(sqrt, 0));
            if (add == null || !add.getOpType().equals("Add")) continue;
            for (String in : add.getInputList()) {
                Float v = g.scalarFloat(in);
                if (v != null) return exactDecimal(v);
            }
        }
        return 1e-12;
    }

    /** 1e-12 stored as float32 is 9.9999999600e-13; report the decimal the exporter wrote. */
    private static double exactDecimal(float f) {
        return Double.parseDouble(Float.toString(f));
    }

    /**
     * Exact GELU if the graph computes erf (or a fused exact Gelu); otherwise the tanh
     * approximation.
     */
    private static String activation(OnnxGraph g) {
        if (g.hasOp("Erf")) return "gelu";
        for (NodeProto n : g.graph.getNodeList()) {
            if (!n.getOpType().equals("Gelu")) continue;
            AttributeProto approx = OnnxGraph.attribute(n, "approximate");
            return approx != null && approx.getS().toStringUtf8().equals("tanh")
                    ? "gelu_new"
                    : "gelu";
        }
        return "gelu_new";
    }

    private static String nameOf(Path file) {
        Path abs = file.toAbsolutePath().normalize();
        String fileName = abs.getFileName().toString();
        if (fileName.equals(MODEL_FILE)
                && abs.getParent() != null
                && abs.getParent().getFileName() != null)
            return abs.getParent().getFileName().toString();
        return fileName.endsWith(".onnx")
                ? fileName.substring(0, fileName.length() - ".onnx".length())
                : fileName;
    }
}
