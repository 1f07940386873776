package org.adamix.model.export;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import org.adamix.model.AdaptationConfig;
import org.adamix.model.Method;
import org.adamix.model.checkpoint.AtomicFiles;
import org.adamix.model.checkpoint.Safetensors;
import org.adamix.model.decoder.Gpt2Config;
import org.adamix.model.decoder.Gpt2LmModel;
import org.adamix.model.decoder.Gpt2Tensors;
import org.adamix.model.layers.ParamSpec;
import org.adamix.model.names.Gpt2TensorNames;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A GPT-2 LoRA model (or an AdaMix-LoRA mixture, merged first) as a Hugging Face PEFT adapter
 * folder for {@code PeftModel.from_pretrained(GPT2LMHeadModel…, dir)}.
 *
 * <p>PEFT puts LoRA on whole modules; GPT-2 fuses query, key and value into one Conv1D, {@code
 * c_attn} (in H, out 3H). The query and value pairs become one LoRA pair on {@code c_attn} of rank
 * 2r whose product is exactly theirs: {@code lora_A} [2r, H] = [A_q; A_v], {@code lora_B} [3H, 2r]
 * with B_q in rows [0, H) × columns [0, r), B_v in rows [2H, 3H) × columns [r, 2r), zeros for the
 * key rows, so B·A = [B_q·A_q; 0; B_v·A_v]. PEFT scales by lora_alpha / r: written as 2α over 2r,
 * that is this model's α / r. {@code fan_in_fan_out} is true (Conv1D stores its weight [in, out]).
 * Trained LayerNorms go to modules_to_save.
 */
public final class Gpt2PeftLoraWriter {
    public static final String CONFIG = "adapter_config.json";
    public static final String WEIGHTS = "adapter_model.safetensors";
    static final String PREFIX = "base_model.model.transformer.";

    private Gpt2PeftLoraWriter() {}

    /** Writes {@code model} (lora or adamix-lora) to {@code dir}, atomically. */
    public static void write(Gpt2LmModel model, Path dir, String baseModelNameOrPath)
            throws IOException {
        Method m = model.adaptation().method();
        if (!m.lora())
            throw new IllegalArgumentException(
                    "PEFT LoRA export needs a LoRA model (lora, adamix-lora), got " + m);
        Gpt2LmModel lora = m.mixture() ? model.merge(false) : model;
        AtomicFiles.writeDir(dir, tmp -> writeInto(lora, tmp, baseModelNameOrPath));
    }

    private static void writeInto(Gpt2LmModel lora, Path dir, String base) throws IOException {
        Map<String, INDArray> t = new LinkedHashMap<>(tensors(lora));
        TreeSet<String> saved = new TreeSet<>();
        for (ParamSpec p : lora.tensors().specs()) {
            if (!p.trainable() || p.init() != ParamSpec.Init.BACKBONE) continue;
            String name = p.key();
            if (!name.contains("ln_"))
                throw new IllegalArgumentException(
                        "PEFT LoRA export cannot hold the trained backbone tensor '" + name + "'");
            t.put(PREFIX + name, lora.tensors().value(name));
            String module = name.substring(0, name.lastIndexOf('.'));
            saved.add(module.substring(module.lastIndexOf('.') + 1));
        }
        Safetensors.write(dir.resolve(WEIGHTS), t, Map.of("format", "pt"));

        AdaptationConfig a = lora.adaptation();
        ObjectNode cfg = MergedModelWriter.JSON.createObjectNode();
        cfg.put("peft_type", "LORA");
        cfg.put("task_type", "CAUSAL_LM");
        cfg.put("base_model_name_or_path", base);
        cfg.put("r", 2 * a.rank());
        double alpha = 2 * a.loraAlpha();
        if (alpha == Math.rint(alpha)) cfg.put("lora_alpha", (long) alpha);
        else cfg.put("lora_alpha", alpha);
        cfg.putArray("target_modules").add("c_attn");
        cfg.put("lora_dropout", 0.0);
        cfg.put("bias", "none");
        cfg.put("fan_in_fan_out", true);
        cfg.put("use_rslora", false);
        cfg.put("use_dora", false);
        cfg.put("init_lora_weights", true);
        cfg.put("inference_mode", true);
        if (saved.isEmpty()) cfg.putNull("modules_to_save");
        else saved.forEach(cfg.putArray("modules_to_save")::add);
        cfg.putNull("layers_to_transform");
        cfg.putNull("layers_pattern");
        cfg.putNull("revision");
        MergedModelWriter.JSON.writeValue(dir.resolve(CONFIG).toFile(), cfg);
    }

    /**
     * The c_attn LoRA pair of every layer in PEFT names: lora_A [2r, H], lora_B [3H, 2r], float32.
     */
    public static Map<String, INDArray> tensors(Gpt2LmModel lora) {
        if (lora.adaptation().method() != Method.LORA)
            throw new IllegalArgumentException(
                    "expected a single-module LoRA model, got " + lora.adaptation().method());
        Gpt2Config c = lora.decoder().config();
        long h = c.hiddenSize(), r = lora.adaptation().rank();
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (int l = 0; l < c.numLayers(); l++) {
            INDArray aq = expert(lora, Gpt2Tensors.loraQuery(l) + ".A");
            INDArray av = expert(lora, Gpt2Tensors.loraValue(l) + ".A");
            INDArray bq = expert(lora, Gpt2Tensors.loraQuery(l) + ".B");
            INDArray bv = expert(lora, Gpt2Tensors.loraValue(l) + ".B");
            INDArray a = Nd4j.concat(0, aq, av);
            INDArray b = Nd4j.zeros(DataType.FLOAT, 3 * h, 2 * r);
            b.get(NDArrayIndex.interval(0, h), NDArrayIndex.interval(0, r)).assign(bq);
            b.get(NDArrayIndex.interval(2 * h, 3 * h), NDArrayIndex.interval(r, 2 * r)).assign(bv);
            String module = PREFIX + Gpt2TensorNames.block(l, Gpt2TensorNames.C_ATTN);
            out.put(module + ".lora_A.weight", a);
            out.put(module + ".lora_B.weight", b);
        }
        return out;
    }

    /** The single expert of a merged model's stacked tensor [1, …], as float32. */
    private static INDArray expert(Gpt2LmModel lora, String key) {
        INDArray v = lora.tensors().value(key);
        return v.reshape(v.shape()[1], v.shape()[2]).castTo(DataType.FLOAT).dup();
    }
}
