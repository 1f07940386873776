package org.adamix.model.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.adamix.model.names.Gpt2TensorNames;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Writes a GPT-2 backbone (e.g. a merged, LoRA-folded or fully fine-tuned model) as a Hugging Face
 * folder that transformers' GPT2LMHeadModel.from_pretrained loads: config.json and
 * model.safetensors with the bare GPT2Model names and the Conv1D weights back in their [in, out]
 * layout (the LM head is tied to wte, so it is not stored). The folder appears complete or not at
 * all.
 */
public final class Gpt2FolderWriter {
    private Gpt2FolderWriter() {}

    public static void write(Gpt2Backbone backbone, Path dir) throws IOException {
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : backbone.tensors().entrySet()) {
            INDArray t = e.getValue();
            // the one transpose back: Linear [out, in] → Conv1D [in, out]
            tensors.put(
                    e.getKey(),
                    Gpt2TensorNames.isConv1dWeight(e.getKey()) ? t.transpose().dup('c') : t);
        }
        AtomicFiles.writeDir(
                dir,
                tmp -> {
                    Files.write(
                            tmp.resolve(Gpt2FolderReader.CONFIG),
                            Gpt2ConfigJson.toJson(backbone.config()));
                    Safetensors.write(
                            tmp.resolve(Gpt2FolderReader.WEIGHTS), tensors, Map.of("format", "pt"));
                });
    }
}
