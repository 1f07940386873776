package org.adamix.model.export;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.adamix.model.AdaMixModel;
import org.adamix.model.AdaptationConfig;
import org.adamix.model.BertConfig;
import org.adamix.model.HeadConfig;
import org.adamix.model.Method;
import org.adamix.model.checkpoint.AtomicFiles;
import org.adamix.model.checkpoint.Safetensors;
import org.adamix.model.names.BertTensorNames;
import org.adamix.model.names.GraphNames;
import org.adamix.model.names.HeadNames;
import org.adamix.model.names.PeftNames;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A LoRA model (or an AdaMix-LoRA mixture, merged first: A and B are each averaged over the
 * experts) as a Hugging Face PEFT adapter folder that {@code
 * PeftModel.from_pretrained(AutoModelForSequenceClassification…, dir)} loads:
 *
 * <ul>
 *   <li>{@code adapter_config.json}: peft_type LORA, task_type SEQ_CLS, r, lora_alpha,
 *       target_modules ["query", "value"], lora_dropout 0, bias "none", fan_in_fan_out false,
 *       use_rslora false (scale alpha/r, as here), base_model_name_or_path, modules_to_save;
 *   <li>{@code adapter_model.safetensors}, names as PEFT's {@code get_peft_model_state_dict} saves
 *       them (adapter name "default" removed): {@code
 *       base_model.model.bert.encoder.layer.N.attention.self.query.lora_A.weight} [r, H], {@code
 *       ….lora_B.weight} [H, r], the same for {@code value}; the modules_to_save under their plain
 *       module path (PEFT strips {@code modules_to_save.default} on save and re-inserts it on
 *       load): {@code base_model.model.classifier.weight} [C, H] / {@code .bias} [C]; with a pooler
 *       {@code base_model.model.bert.pooler.dense.*} ("pooler" added to modules_to_save; for
 *       RoBERTa the pooler is the head's {@code classifier.dense}); trained LayerNorms as {@code
 *       base_model.model.bert.….LayerNorm.*} ("LayerNorm" added to modules_to_save).
 * </ul>
 *
 * transformers' classification heads always apply the pooler (dense + tanh): a head trained without
 * one is exported but only reproduced exactly by this project (see {@link HeadNames#hfExact}).
 */
public final class PeftLoraWriter {

    public static final String CONFIG = "adapter_config.json";
    public static final String WEIGHTS = "adapter_model.safetensors";
    public static final String PREFIX = PeftNames.PREFIX;

    private PeftLoraWriter() {}

    /** Writes {@code model} (LoRA or AdaMix-LoRA) to {@code dir}, atomically. */
    public static void write(AdaMixModel model, Path dir, String baseModelNameOrPath)
            throws IOException {
        AtomicFiles.writeDir(dir, tmp -> writeInto(model, tmp, baseModelNameOrPath));
    }

    static void writeInto(AdaMixModel model, Path dir, String baseModelNameOrPath)
            throws IOException {
        Method m = model.adaptation().method();
        if (!m.lora())
            throw new IllegalArgumentException(
                    "PEFT LoRA export needs a LoRA model (lora, adamix-lora), got " + m);
        AdaMixModel lora = m.mixture() ? model.merge(false) : model;
        AdaptationConfig a = lora.adaptation();
        BertConfig c = lora.backbone().config();
        HeadConfig head = lora.head();
        HeadNames hn = HeadNames.of(c);

        Map<String, INDArray> t = new LinkedHashMap<>(tensors(lora));
        boolean layerNorms = false;
        for (Map.Entry<String, INDArray> e :
                TrainedTensors.trainedBackboneTensors(lora).entrySet()) {
            String name = e.getKey();
            if (name.startsWith(BertTensorNames.POOLER + ".")) {
                t.put(
                        PeftNames.saved(
                                name.endsWith(".weight") ? hn.poolerWeight() : hn.poolerBias()),
                        e.getValue());
            } else if (name.contains("LayerNorm.")) {
                t.put(PeftNames.saved(hn.encoderPrefix() + name), e.getValue());
                layerNorms = true;
            } else {
                throw new IllegalArgumentException(
                        "PEFT LoRA export cannot hold the trained backbone tensor '" + name + "'");
            }
        }
        t.put(PeftNames.saved(hn.classifierWeight()), TrainedTensors.classifierWeight(lora));
        t.put(PeftNames.saved(hn.classifierBias()), TrainedTensors.classifierBias(lora));
        Safetensors.write(dir.resolve(WEIGHTS), t, Map.of("format", "pt"));

        ObjectNode cfg = MergedModelWriter.JSON.createObjectNode();
        cfg.put("peft_type", "LORA");
        cfg.put("task_type", "SEQ_CLS");
        cfg.put("base_model_name_or_path", baseModelNameOrPath);
        cfg.put("r", a.rank());
        if (a.loraAlpha() == Math.rint(a.loraAlpha())) cfg.put("lora_alpha", (long) a.loraAlpha());
        else cfg.put("lora_alpha", a.loraAlpha());
        cfg.putArray("target_modules").add("query").add("value");
        cfg.put("lora_dropout", 0.0);
        cfg.put("bias", "none");
        cfg.put("fan_in_fan_out", false);
        cfg.put("use_rslora", false);
        cfg.put("use_dora", false);
        cfg.put("init_lora_weights", true);
        cfg.put("inference_mode", true);
        ArrayNode save = cfg.putArray("modules_to_save").add("classifier");
        if (head.pooler() && !hn.poolerIsInClassifier()) save.add("pooler");
        if (layerNorms) save.add("LayerNorm");
        cfg.putNull("layers_to_transform");
        cfg.putNull("layers_pattern");
        cfg.putNull("revision");
        MergedModelWriter.JSON.writeValue(dir.resolve(CONFIG).toFile(), cfg);
    }

    /** The LoRA tensors in PEFT names: A [r, H], B [H, r] per layer for query and value. */
    public static Map<String, INDArray> tensors(AdaMixModel lora) {
        if (lora.adaptation().method() != Method.LORA)
            throw new IllegalArgumentException(
                    "expected a single-module LoRA model, got " + lora.adaptation().method());
        BertConfig c = lora.backbone().config();
        HeadNames hn = HeadNames.of(c);
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (int i = 0; i < c.numLayers(); i++) {
            for (String[] m :
                    new String[][] {
                        {GraphNames.QUERY, GraphNames.LORA_QUERY},
                        {GraphNames.VALUE, GraphNames.LORA_VALUE}
                    }) {
                INDArray aw = TrainedTensors.param(lora, GraphNames.attention(i), m[1] + ".A");
                INDArray bw = TrainedTensors.param(lora, GraphNames.attention(i), m[1] + ".B");
                out.put(
                        PeftNames.lora(hn, i, m[0], true),
                        TrainedTensors.float32(aw.reshape(aw.size(1), aw.size(2))));
                out.put(
                        PeftNames.lora(hn, i, m[0], false),
                        TrainedTensors.float32(bw.reshape(bw.size(1), bw.size(2))));
            }
        }
        return out;
    }
}
