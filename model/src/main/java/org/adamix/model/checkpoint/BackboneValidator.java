package org.adamix.model.checkpoint;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.adamix.model.names.BertTensorNames;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Checks that a backbone holds exactly the tensors its config calls for, each with the documented
 * shape and float32, so that a bad checkpoint fails at load time with a message naming the tensor
 * rather than later inside a matrix multiply.
 */
public final class BackboneValidator {

    private BackboneValidator() {}

    /** Validates a backbone; errors name it as "backbone '&lt;name&gt;'". */
    public static void validate(Backbone b) throws CheckpointException {
        validate(b, "backbone '" + b.name() + "'");
    }

    /** Validates a backbone read from {@code file}; errors name the file. */
    public static void validate(Backbone b, Path file) throws CheckpointException {
        validate(b, String.valueOf(file));
    }

    private static void validate(Backbone b, String source) throws CheckpointException {
        Map<String, long[]> required = BertTensorNames.required(b.config());
        Map<String, long[]> optional = BertTensorNames.optional(b.config());
        for (Map.Entry<String, long[]> e : required.entrySet()) {
            INDArray t = b.tensors().get(e.getKey());
            if (t == null) throw new CheckpointException(source, e.getKey(), "missing");
            check(source, e.getKey(), t, e.getValue());
        }
        boolean anyPooler = false, allPooler = true;
        for (Map.Entry<String, long[]> e : optional.entrySet()) {
            INDArray t = b.tensors().get(e.getKey());
            anyPooler |= t != null;
            allPooler &= t != null;
            if (t != null) check(source, e.getKey(), t, e.getValue());
        }
        if (anyPooler && !allPooler) {
            String missing =
                    optional.keySet().stream()
                            .filter(k -> !b.tensors().containsKey(k))
                            .findFirst()
                            .orElseThrow();
            throw new CheckpointException(
                    source, missing, "missing (the pooler needs both weight and bias)");
        }
        for (String name : b.tensors().keySet()) {
            if (!required.containsKey(name) && !optional.containsKey(name))
                throw new CheckpointException(
                        source,
                        name,
                        "unexpected: not part of a "
                                + b.config().numLayers()
                                + "-layer "
                                + b.config().modelType()
                                + " backbone");
        }
    }

    private static void check(String source, String name, INDArray t, long[] expected)
            throws CheckpointException {
        if (t.dataType() != DataType.FLOAT)
            throw new CheckpointException(
                    source, name, "dtype " + t.dataType() + ", expected FLOAT (float32)");
        if (!Arrays.equals(t.shape(), expected))
            throw new CheckpointException(
                    source,
                    name,
                    "expected shape "
                            + Arrays.toString(expected)
                            + ", found "
                            + Arrays.toString(t.shape()));
    }
}
