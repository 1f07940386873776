package org.adamix.jobs.generation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
import org.adamix.jobs.spark.FsPaths;
import org.adamix.model.Method;
import org.adamix.model.checkpoint.Gpt2FolderWriter;
import org.adamix.model.checkpoint.Safetensors;
import org.adamix.model.decoder.Gpt2LmModel;
import org.adamix.model.export.Gpt2PeftLoraWriter;
import org.adamix.model.layers.ParamSpec;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The files of a generation run, built in a local folder and published entry by entry to the output
 * (each one under a temporary name, then renamed), {@code _SUCCESS} last:
 *
 * <ul>
 *   <li>{@code model/}: {@code trainable.safetensors} (every trained tensor by name, e.g. {@code
 *       h.0.attn.c_attn.lora_q.A} [M, r, n_embd]) and {@code generation.json} (method, options, the
 *       separator/end token);
 *   <li>{@code merged/}: what serving loads. LoRA and AdaMix-LoRA (merged: experts averaged) folded
 *       into c_attn's query and value rows, and full fine-tuning, are a plain Hugging Face GPT-2
 *       folder with the tokenizer ({@code from_pretrained} loads it; so does {@code --backbone}).
 *       Adapter methods cannot fold: there {@code merged/} holds the single merged adapter per
 *       layer in the {@code model/} layout;
 *   <li>{@code peft/} (LoRA and AdaMix-LoRA): the merged LoRA as a PEFT adapter on c_attn ({@link
 *       Gpt2PeftLoraWriter});
 *   <li>{@code metrics.jsonl}, {@code summary.json}.
 * </ul>
 */
final class GenerationOutput {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final GenerationBackbone backbone;
    private final Configuration conf;

    GenerationOutput(GenerationBackbone backbone, Configuration conf) {
        this.backbone = backbone;
        this.conf = conf;
    }

    void write(
            Path output,
            Gpt2LmModel model,
            GenerationSpec spec,
            ObjectNode summary,
            ArrayNode metrics)
            throws IOException {
        java.nio.file.Path local = Files.createTempDirectory("adamix-generation-");
        try {
            writeModel(local.resolve("model"), model, spec);
            Method method = model.adaptation().method();
            boolean folds = method.lora() || method == Method.FULL || method == Method.NONE;
            Gpt2LmModel merged = model.merge(folds);
            if (folds) {
                Gpt2FolderWriter.write(merged.trainedBackbone(), local.resolve("merged"));
                for (Map.Entry<String, byte[]> f : backbone.tokenizerFiles().entrySet())
                    Files.write(local.resolve("merged").resolve(f.getKey()), f.getValue());
            } else {
                writeModel(
                        local.resolve("merged"),
                        merged,
                        new GenerationSpec(
                                merged.adaptation(),
                                spec.optimizer(),
                                spec.labelSmoothing(),
                                spec.seed()));
            }
            if (method.lora())
                Gpt2PeftLoraWriter.write(
                        model, local.resolve("peft"), summary.path("backbone").asText());
            summary.put("merged", folds ? "hugging-face-gpt2" : merged.adaptation().method().id);
            StringBuilder lines = new StringBuilder();
            for (var row : metrics) lines.append(JSON.writeValueAsString(row)).append('\n');
            FsPaths.publishFolder(local.resolve("model"), new Path(output, "model"), conf);
            FsPaths.publishFolder(local.resolve("merged"), new Path(output, "merged"), conf);
            if (method.lora())
                FsPaths.publishFolder(local.resolve("peft"), new Path(output, "peft"), conf);
            FsPaths.writeAtomically(new Path(output, "metrics.jsonl"), lines.toString(), conf);
            FsPaths.writeAtomically(
                    new Path(output, "summary.json"),
                    JSON.writerWithDefaultPrettyPrinter().writeValueAsString(summary),
                    conf);
            FsPaths.writeAtomically(new Path(output, "_SUCCESS"), "", conf);
        } finally {
            FsPaths.deleteLocal(local);
        }
    }

    private void writeModel(java.nio.file.Path dir, Gpt2LmModel model, GenerationSpec spec)
            throws IOException {
        Files.createDirectories(dir);
        Map<String, INDArray> trained = new LinkedHashMap<>();
        for (ParamSpec p : model.tensors().specs())
            if (p.trainable()) trained.put(p.key(), model.tensors().value(p.key()));
        Safetensors.write(dir.resolve("trainable.safetensors"), trained, Map.of("format", "pt"));
        ObjectNode g = JSON.createObjectNode();
        g.put("task", "generation");
        g.putPOJO("adaptation", spec.adaptation());
        g.put("label_smoothing", spec.labelSmoothing());
        g.put("seed", spec.seed());
        g.put("separator", GenerationBackbone.END_OF_TEXT);
        g.put("separator_id", backbone.endOfText());
        g.put("layout", "source tokens, separator, \" \" + target tokens, separator");
        Files.write(
                dir.resolve("generation.json"),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(g));
    }
}
