package org.adamix.model.export;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.adamix.model.AdaMixModel;
import org.adamix.model.BertConfig;
import org.adamix.model.HeadConfig;
import org.adamix.model.Method;
import org.adamix.model.checkpoint.AtomicFiles;
import org.adamix.model.checkpoint.Backbone;
import org.adamix.model.checkpoint.BackboneValidator;
import org.adamix.model.checkpoint.Safetensors;
import org.adamix.model.io.AdapterCheckpoint;
import org.adamix.model.names.BertTensorNames;
import org.adamix.model.names.HeadNames;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A trained model as one Hugging Face sequence-classification folder: {@code config.json} + {@code
 * model.safetensors}.
 *
 * <p><b>Foldable methods</b> (LoRA, AdaMix-LoRA, full fine-tuning, none): the mixture is averaged
 * and LoRA's (alpha/r)·B·A added into the query/value weights ({@link AdaMixModel#merge}(true));
 * trained LayerNorms and the pooler are substituted into the backbone. {@code model.safetensors}
 * holds the encoder under {@code bert.} / {@code roberta.} and the head as named by {@link
 * HeadNames} ({@code classifier.weight} [C, H], {@code classifier.bias} [C] for BERT): the layout
 * {@code BertForSequenceClassification.save_pretrained} writes.
 *
 * <p><b>Adapter methods</b> (Houlsby, Pfeiffer, AdaMix-adapter): a bottleneck adapter has a
 * non-linearity, so it cannot be folded into a weight matrix. The folder then holds the unchanged
 * pre-trained backbone (its checksum is the one the adapters were trained on) and, in {@code
 * adapter/}, the merged (single-module) adapter checkpoint ({@link AdapterCheckpoint}: adapters,
 * head, trained LayerNorms).
 *
 * <p>{@code config.json} is the backbone's Hugging Face config plus {@code architectures}, {@code
 * id2label} / {@code label2id}, {@code problem_type} and an {@code adamix} section: head shape
 * (pooler, regression), the method it was trained with, the pre-trained backbone's name and
 * checksum, where the adapter checkpoint is (or null), and whether transformers computes the same
 * head ({@code hf_exact_head}: only with a pooler, since transformers' heads always apply one).
 * {@link MergedModelLoader} reads it back.
 */
public final class MergedModelWriter {

    public static final String CONFIG = "config.json";
    public static final String WEIGHTS = "model.safetensors";
    public static final String ADAPTER_DIR = "adapter";
    public static final int FORMAT_VERSION = 1;

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private MergedModelWriter() {}

    /** Whether {@code m}'s adaptation can be folded into the backbone weights. */
    public static boolean foldable(Method m) {
        return !m.adapterAtFfn() && !m.adapterAtAttention();
    }

    /**
     * Writes the merged form of {@code trained} (a mixture or a single module) to {@code dir},
     * atomically. {@code labels}: class names in label-index order (null: LABEL_0 …); ignored for
     * regression.
     */
    public static void write(AdaMixModel trained, Path dir, List<String> labels)
            throws IOException {
        AtomicFiles.writeDir(dir, tmp -> writeInto(trained, tmp, labels));
    }

    /** Writes into an existing empty folder (the caller publishes it). */
    static void writeInto(AdaMixModel trained, Path dir, List<String> labels) throws IOException {
        HeadConfig head = trained.head();
        List<String> names = labelNames(head, labels);
        Method method = trained.adaptation().method();
        boolean fold = foldable(method);
        AdaMixModel merged = trained.merge(fold);
        BertConfig c = merged.backbone().config();
        HeadNames hn = HeadNames.of(c);

        Map<String, INDArray> out = new LinkedHashMap<>();
        if (fold) {
            Map<String, INDArray> bb = TrainedTensors.backbone(merged);
            BackboneValidator.validate(new Backbone(c, bb, trained.backbone().name(), "-"));
            for (Map.Entry<String, INDArray> e : bb.entrySet()) {
                boolean pooler = e.getKey().startsWith(BertTensorNames.POOLER + ".");
                if (pooler && head.pooler())
                    out.put(
                            e.getKey().endsWith(".weight") ? hn.poolerWeight() : hn.poolerBias(),
                            e.getValue());
                else out.put(hn.encoderPrefix() + e.getKey(), e.getValue());
            }
            out.put(hn.classifierWeight(), TrainedTensors.classifierWeight(merged));
            out.put(hn.classifierBias(), TrainedTensors.classifierBias(merged));
        } else {
            for (Map.Entry<String, INDArray> e : trained.backbone().tensors().entrySet())
                out.put(hn.encoderPrefix() + e.getKey(), e.getValue());
            AdapterCheckpoint.save(merged, dir.resolve(ADAPTER_DIR), false, names);
        }
        Safetensors.write(dir.resolve(WEIGHTS), out, Map.of("format", "pt"));
        JSON.writeValue(dir.resolve(CONFIG).toFile(), config(trained, c, hn, names, fold));
    }

    static List<String> labelNames(HeadConfig head, List<String> labels) {
        if (labels != null && !head.regression() && labels.size() != head.numLabels())
            throw new IllegalArgumentException(
                    labels.size()
                            + " label names "
                            + labels
                            + " for a head with "
                            + head.numLabels()
                            + " classes");
        List<String> out = new ArrayList<>();
        for (int i = 0; i < head.numLabels(); i++)
            out.add(labels != null && !head.regression() ? labels.get(i) : "LABEL_" + i);
        return out;
    }

    private static ObjectNode config(
            AdaMixModel trained, BertConfig c, HeadNames hn, List<String> labels, boolean fold) {
        ObjectNode root = JSON.createObjectNode();
        root.putArray("architectures").add(hn.architecture());
        ObjectNode bert = JSON.valueToTree(c);
        root.setAll(bert);
        root.put("position_embedding_type", "absolute");
        HeadConfig head = trained.head();
        root.put("problem_type", head.regression() ? "regression" : "single_label_classification");
        ObjectNode id2label = root.putObject("id2label"), label2id = root.putObject("label2id");
        for (int i = 0; i < labels.size(); i++) {
            id2label.put(Integer.toString(i), labels.get(i));
            label2id.put(labels.get(i), i);
        }
        ObjectNode a = root.putObject("adamix");
        a.put("format_version", FORMAT_VERSION);
        a.put("trained_method", trained.adaptation().method().id);
        a.put("folded", fold);
        if (fold) a.putNull("adapter");
        else a.put("adapter", ADAPTER_DIR);
        a.put("pooler", head.pooler());
        a.put("pooling", head.pooling().cliName());
        a.put("regression", head.regression());
        a.put("num_labels", head.numLabels());
        a.put("hf_exact_head", HeadNames.hfExact(head));
        a.put("backbone_name", trained.backbone().name());
        a.put("backbone_checksum", trained.backbone().checksum());
        return root;
    }
}
