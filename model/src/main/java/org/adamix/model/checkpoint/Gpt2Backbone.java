package org.adamix.model.checkpoint;

import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.adamix.model.decoder.Gpt2Config;
import org.adamix.model.names.Gpt2TensorNames;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Pre-trained GPT-2 weights: exactly the tensors of {@link Gpt2TensorNames#required}, float32,
 * c-ordered, projections in PyTorch's Linear layout [out, in] (HF's Conv1D [in, out] transposed by
 * {@link Gpt2FolderReader}). The LM head is {@code wte.weight} (tied).
 *
 * @param config the architecture
 * @param tensors by name without the "transformer." prefix, sorted, unmodifiable
 * @param name a human label (the folder's name)
 */
public record Gpt2Backbone(Gpt2Config config, Map<String, INDArray> tensors, String name) {

    public Gpt2Backbone {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(name, "name");
        tensors = Collections.unmodifiableMap(new TreeMap<>(tensors));
        Map<String, long[]> required = Gpt2TensorNames.required(config);
        for (Map.Entry<String, long[]> e : required.entrySet()) {
            INDArray t = tensors.get(e.getKey());
            if (t == null)
                throw new IllegalArgumentException(
                        "GPT-2 backbone '" + name + "' lacks '" + e.getKey() + "'");
            boolean ok = t.dataType() == DataType.FLOAT && t.ordering() == 'c';
            if (!ok || !Arrays.equals(t.shape(), e.getValue())) {
                String want = "c-ordered FLOAT " + Arrays.toString(e.getValue());
                String found =
                        t.ordering()
                                + "-ordered "
                                + t.dataType()
                                + " "
                                + Arrays.toString(t.shape());
                String what = "GPT-2 backbone '" + name + "': '" + e.getKey() + "'";
                throw new IllegalArgumentException(what + " must be " + want + ", found " + found);
            }
        }
        for (String n : tensors.keySet())
            if (!required.containsKey(n))
                throw new IllegalArgumentException(
                        "GPT-2 backbone '" + name + "' has an unexpected tensor '" + n + "'");
    }

    /** The tensor called {@code tensorName}. */
    public INDArray tensor(String tensorName) {
        INDArray t = tensors.get(tensorName);
        if (t == null)
            throw new IllegalArgumentException(
                    "GPT-2 backbone '" + name + "' has no tensor '" + tensorName + "'");
        return t;
    }
}
