package org.adamix.model.layers;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.adamix.model.AdaptationConfig;
import org.adamix.model.BertConfig;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Configuration shared by the Transformer's sublayers (DL4J's layer triple: this configuration,
 * {@link SpecParamInitializer}, and a {@link Sublayer} implementation). A sublayer lists all its
 * tensors as {@link ParamSpec}s; only the trainable ones become DL4J parameters.
 */
public abstract class SublayerConf extends BaseLayer {
    protected BertConfig bert;
    protected AdaptationConfig adaptation;
    protected int layerIndex;
    protected long seed;

    /**
     * Whether anything below this sublayer is trained, i.e. whether it must return an input
     * gradient.
     */
    protected boolean inputGradient;

    protected SublayerConf() {}

    protected SublayerConf(
            String name,
            BertConfig bert,
            AdaptationConfig adaptation,
            int layerIndex,
            long seed,
            boolean inputGradient) {
        this.layerName = name;
        this.bert = bert;
        this.adaptation = adaptation;
        this.layerIndex = layerIndex;
        this.seed = seed;
        this.inputGradient = inputGradient;
    }

    /** Every tensor of this sublayer, trainable or frozen, in a fixed order. */
    public abstract List<ParamSpec> params();

    /** The spec of the tensor with this key. */
    public ParamSpec param(String key) {
        for (ParamSpec p : params()) if (p.key().equals(key)) return p;
        throw new IllegalArgumentException(layerName + " has no tensor '" + key + "'");
    }

    public List<ParamSpec> trainableParams() {
        List<ParamSpec> out = new ArrayList<>();
        for (ParamSpec p : params()) if (p.trainable()) out.add(p);
        return out;
    }

    public BertConfig bert() {
        return bert;
    }

    public AdaptationConfig adaptation() {
        return adaptation;
    }

    public int layerIndex() {
        return layerIndex;
    }

    public long seed() {
        return seed;
    }

    public boolean inputGradient() {
        return inputGradient;
    }

    // ---- helpers for params() ----

    /** A pre-trained tensor: trainable only under full fine-tuning (LayerNorms optionally). */
    protected ParamSpec backbone(String key, String hfName, boolean layerNorm, long... shape) {
        boolean trainable =
                adaptation.backboneTrainable() || (layerNorm && adaptation.trainLayerNorms());
        return new ParamSpec(
                key,
                shape,
                trainable,
                ParamSpec.Init.BACKBONE,
                hfName,
                ParamSpec.decays(key, layerNorm));
    }

    /** Linear layer [out, in] + bias [out] from the backbone, keys "name.weight"/"name.bias". */
    protected void linear(
            List<ParamSpec> out, String name, String hfPrefix, long outDim, long inDim) {
        out.add(backbone(name + ".weight", hfPrefix + name + ".weight", false, outDim, inDim));
        out.add(backbone(name + ".bias", hfPrefix + name + ".bias", false, outDim));
    }

    protected void layerNorm(List<ParamSpec> out, String name, String hfPrefix, long dim) {
        out.add(backbone(name + ".weight", hfPrefix + name + ".weight", true, dim));
        out.add(backbone(name + ".bias", hfPrefix + name + ".bias", true, dim));
    }

    // ---- DL4J plumbing ----

    /** The implementation object for this configuration. */
    protected abstract Sublayer<?> newLayer(NeuralNetConfiguration conf, DataType dataType);

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(
            NeuralNetConfiguration conf,
            Collection<TrainingListener> listeners,
            int index,
            INDArray paramsView,
            boolean initializeParams,
            DataType dataType) {
        Sublayer<?> l = newLayer(conf, dataType);
        l.setListeners(listeners);
        l.setIndex(index);
        l.setParamsViewArray(paramsView);
        l.setParamTable(initializer().init(conf, paramsView, initializeParams));
        l.setConf(conf);
        return l;
    }

    @Override
    public ParamInitializer initializer() {
        return SpecParamInitializer.INSTANCE;
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return inputType;
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        // sizes come from BertConfig
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    @Override
    public boolean isPretrainParam(String paramName) {
        return false;
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        throw new UnsupportedOperationException(
                "memory reports are not implemented for " + getClass().getSimpleName());
    }
}
