package org.adamix.model.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.adamix.model.decoder.Gpt2Config;
import org.adamix.model.names.Gpt2TensorNames;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A Hugging Face GPT-2 folder: {@code config.json} + {@code model.safetensors}, from GPT2Model or
 * GPT2LMHeadModel ("transformer." prefix). Every backbone tensor must be present once with the HF
 * shape; F16, BF16 and F64 are read as float32, other dtypes are refused (by {@link Safetensors});
 * the causal-mask buffers are skipped; {@code lm_head.weight} is accepted only when it equals
 * {@code wte.weight} (GPT-2 ties them). Any other tensor is an error: a checkpoint that holds more
 * than GPT-2 is not GPT-2. Errors name the file and the tensor (as the file spells it, or canonical
 * for a missing one).
 *
 * <p>This is where HF's Conv1D weights [in, out] become Linear weights [out, in] (see {@link
 * Gpt2TensorNames}).
 */
public final class Gpt2FolderReader {

    public static final String CONFIG = HfFolderReader.CONFIG;
    public static final String WEIGHTS = HfFolderReader.WEIGHTS;

    private Gpt2FolderReader() {}

    public static Gpt2Backbone read(Path dir) throws IOException {
        Gpt2Config config = Gpt2ConfigJson.read(dir.resolve(CONFIG));
        Path file = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(file)) throw new CheckpointException(file, "not found");

        Map<String, long[]> required = Gpt2TensorNames.required(config);
        List<String> others = new ArrayList<>();
        Safetensors.Contents contents =
                Safetensors.read(
                        file,
                        name -> {
                            String n = Gpt2TensorNames.stripPrefix(name);
                            if (required.containsKey(n) || name.equals(Gpt2TensorNames.LM_HEAD))
                                return true;
                            if (!Gpt2TensorNames.isMaskBuffer(n)) others.add(name);
                            return false;
                        });
        if (!others.isEmpty()) {
            String gpt2 = config.numLayers() + "-layer GPT-2 with n_embd " + config.hiddenSize();
            throw new CheckpointException(file, others.get(0), "unexpected: not part of a " + gpt2);
        }

        Map<String, INDArray> tensors = new HashMap<>();
        Map<String, String> fileName = new HashMap<>();
        INDArray lmHead = null;
        for (Map.Entry<String, INDArray> e : contents.tensors().entrySet()) {
            if (e.getKey().equals(Gpt2TensorNames.LM_HEAD)) {
                lmHead = e.getValue();
                continue;
            }
            String n = Gpt2TensorNames.stripPrefix(e.getKey());
            String earlier = fileName.putIfAbsent(n, e.getKey());
            if (earlier != null)
                throw new CheckpointException(
                        file, n, "appears twice, as '" + earlier + "' and '" + e.getKey() + "'");
            tensors.put(n, toBackboneLayout(file, e.getKey(), n, e.getValue(), required.get(n)));
        }
        for (String n : required.keySet())
            if (!tensors.containsKey(n)) throw new CheckpointException(file, n, "missing");
        if (lmHead != null) checkTied(file, lmHead, tensors.get(Gpt2TensorNames.WTE));
        return new Gpt2Backbone(
                config, tensors, dir.toAbsolutePath().normalize().getFileName().toString());
    }

    /**
     * The tensor {@code fileName} (canonical {@code name}) checked against its HF shape, and in the
     * backbone's layout: HF Conv1D weights [in, out] become Linear weights [out, in] here.
     */
    private static INDArray toBackboneLayout(
            Path file, String fileName, String name, INDArray t, long[] backboneShape)
            throws CheckpointException {
        boolean conv1d = Gpt2TensorNames.isConv1dWeight(name);
        long[] expected = Gpt2TensorNames.checkpointShape(name, backboneShape);
        if (!Arrays.equals(t.shape(), expected)) {
            String layout = conv1d ? " (HF Conv1D: [in, out])" : "";
            String found = ", found " + Arrays.toString(t.shape());
            throw new CheckpointException(
                    file, fileName, "expected shape " + Arrays.toString(expected) + layout + found);
        }
        return conv1d ? t.transpose().dup('c') : t;
    }

    /** GPT-2's LM head is wte: a checkpoint's lm_head.weight must equal it, bit for bit. */
    private static void checkTied(Path file, INDArray lmHead, INDArray wte)
            throws CheckpointException {
        // INDArray.equals would accept differences up to 1e-5
        if (Arrays.equals(lmHead.shape(), wte.shape())
                && Arrays.equals(Float32.toFloats(lmHead), Float32.toFloats(wte))) return;
        String why = ": an LM head not tied to the token embeddings is not supported";
        throw new CheckpointException(
                file, Gpt2TensorNames.LM_HEAD, "differs from " + Gpt2TensorNames.WTE + why);
    }
}
