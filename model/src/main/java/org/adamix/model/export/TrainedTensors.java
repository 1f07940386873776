package org.adamix.model.export;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.adamix.model.AdaMixModel;
import org.adamix.model.layers.ParamSpec;
import org.adamix.model.layers.SublayerConf;
import org.adamix.model.names.GraphNames;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The weights a trained model actually computes with, in Hugging Face BERT names and layouts.
 *
 * <p>{@link #backbone} is the backbone with every trained backbone-shaped tensor substituted: all
 * of them under full fine-tuning, the LayerNorms when they were trained, and the pooler when the
 * head has one (then {@code pooler.dense.*} is present even if the pre-trained backbone had none).
 * {@link #classifierWeight} is [C, H] ([out, in], like every HF linear weight), {@link
 * #classifierBias} [C].
 */
public final class TrainedTensors {

    private TrainedTensors() {}

    /** Backbone tensors with trained values substituted, sorted by name, float32 copies. */
    public static Map<String, INDArray> backbone(AdaMixModel model) {
        Map<String, INDArray> out = new TreeMap<>(model.backbone().tensors());
        out.putAll(trainedBackboneTensors(model));
        return out;
    }

    /**
     * Only the trained tensors that have a backbone name (pooler, LayerNorms, everything under
     * full).
     */
    public static Map<String, INDArray> trainedBackboneTensors(AdaMixModel model) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (String name : model.sublayerNames()) {
            var layer = model.layer(name);
            SublayerConf conf = (SublayerConf) layer.conf().getLayer();
            for (ParamSpec p : conf.trainableParams())
                if (p.backboneName() != null)
                    out.put(p.backboneName(), float32(layer.getParam(p.key())));
        }
        return out;
    }

    /**
     * The tensors of the mixture module {@code sublayer}.{@code key} (e.g. "layer0.attention",
     * "lora.query.A").
     */
    public static INDArray param(AdaMixModel model, String sublayer, String key) {
        INDArray p = model.layer(sublayer).getParam(key);
        if (p == null)
            throw new IllegalArgumentException(
                    "model has no parameter '" + key + "' in sublayer '" + sublayer + "'");
        return p;
    }

    /**
     * Classifier weight [C, H] (DL4J keeps it [H, C]); for regression with scaled targets the scale
     * is folded in (std · W), so an exported head predicts the targets themselves.
     */
    public static INDArray classifierWeight(AdaMixModel model) {
        INDArray w = float32(model.layer(GraphNames.CLASSIFIER).getParam("W").transpose());
        return model.head().regression() ? w.muli(model.head().targetStd()) : w;
    }

    /** Classifier bias [C]; for regression std · b + mean (see {@link #classifierWeight}). */
    public static INDArray classifierBias(AdaMixModel model) {
        INDArray b = model.layer(GraphNames.CLASSIFIER).getParam("b");
        INDArray out = float32(b.reshape(b.length()));
        return model.head().regression()
                ? out.muli(model.head().targetStd()).addi(model.head().targetMean())
                : out;
    }

    static INDArray float32(INDArray a) {
        return (a.dataType() == DataType.FLOAT ? a : a.castTo(DataType.FLOAT)).dup('c');
    }
}
