package org.adamix.model.checkpoint;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.adamix.model.BertConfig;
import org.adamix.model.names.BertTensorNames;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Pre-trained encoder weights, whatever format they were read from.
 *
 * @param config the architecture
 * @param tensors canonical Hugging Face BERT names and layouts (see {@link BertConfig}), float32,
 *     sorted by name, unmodifiable
 * @param name a human label (folder or file name)
 * @param checksum {@link TensorChecksum#sha256} of the tensors: the identity of the weights
 */
public record Backbone(
        BertConfig config, Map<String, INDArray> tensors, String name, String checksum) {

    public Backbone {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(tensors, "tensors");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(checksum, "checksum");
        tensors = Collections.unmodifiableMap(new TreeMap<>(tensors));
    }

    /** A backbone whose checksum is computed from {@code tensors}. */
    public static Backbone of(BertConfig config, Map<String, INDArray> tensors, String name) {
        return new Backbone(config, tensors, name, TensorChecksum.sha256(tensors));
    }

    /** The tensor called {@code name}; fails clearly rather than returning null. */
    public INDArray tensor(String tensorName) {
        INDArray t = tensors.get(tensorName);
        if (t == null)
            throw new IllegalArgumentException(
                    "backbone '" + name + "' has no tensor '" + tensorName + "'");
        return t;
    }

    public boolean hasPooler() {
        return tensors.containsKey(BertTensorNames.POOLER + ".weight");
    }
}
