package org.adamix.model.checkpoint;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import onnx.Onnx.AttributeProto;
import onnx.Onnx.GraphProto;
import onnx.Onnx.NodeProto;
import onnx.Onnx.TensorProto;

/**
 * An ONNX graph indexed for walking: who produces a value, who consumes it, which values are
 * constant.
 */
final class OnnxGraph {

    final GraphProto graph;
    final Map<String, TensorProto> initializers = new LinkedHashMap<>();
    private final Map<String, NodeProto> producers = new HashMap<>();
    private final Map<String, List<NodeProto>> consumers = new HashMap<>();

    OnnxGraph(GraphProto graph) {
        this.graph = graph;
        for (TensorProto t : graph.getInitializerList()) initializers.put(t.getName(), t);
        for (NodeProto n : graph.getNodeList()) {
            for (String out : n.getOutputList()) producers.put(out, n);
            for (String in : n.getInputList())
                consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
        }
    }

    NodeProto producer(String value) {
        return producers.get(value);
    }

    List<NodeProto> consumers(String value) {
        return consumers.getOrDefault(value, List.of());
    }

    boolean hasOp(String opType) {
        return graph.getNodeList().stream().anyMatch(n -> n.getOpType().equals(opType));
    }

    /** The constant behind a value: an initializer or the output of a Constant node; else null. */
    TensorProto constant(String value) {
        TensorProto t = initializers.get(value);
        if (t != null) return t;
        NodeProto p = producers.get(value);
        if (p != null && p.getOpType().equals("Constant")) {
            AttributeProto a = attribute(p, "value");
            if (a != null && a.hasT()) return a.getT();
        }
        return null;
    }

    /** A scalar float constant (any float type, one element), or null. */
    Float scalarFloat(String value) {
        TensorProto t = constant(value);
        if (t == null || !OnnxTensors.isFloat(t) || Float32.numel(OnnxTensors.shape(t)) != 1)
            return null;
        try {
            return OnnxTensors.floats(null, t, value)[0];
        } catch (CheckpointException e) {
            return null;
        }
    }

    static AttributeProto attribute(NodeProto n, String name) {
        for (AttributeProto a : n.getAttributeList()) if (a.getName().equals(name)) return a;
        return null;
    }

    static String input(NodeProto n, int i) {
        return i < n.getInputCount() ? n.getInput(i) : "";
    }
}
