package org.adamix.model.layers;

import java.util.ArrayList;
import java.util.List;
import org.adamix.model.AdaptationConfig;
import org.adamix.model.BertConfig;
import org.adamix.model.adamix.AdapterMixture;
import org.adamix.model.names.BertTensorNames;
import org.adamix.model.names.GraphNames;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The position-wise FFN with residual and LayerNorm (BERT's "intermediate" + "output" modules) and
 * the adapter that sits at its output: the AdaMix mixture, or a single Pfeiffer/Houlsby adapter.
 */
public class FeedForwardConf extends SublayerConf {

    public FeedForwardConf() {}

    public FeedForwardConf(
            BertConfig bert,
            AdaptationConfig adaptation,
            int layer,
            long seed,
            boolean inputGradient) {
        super(GraphNames.ffn(layer), bert, adaptation, layer, seed, inputGradient);
    }

    @Override
    public List<ParamSpec> params() {
        List<ParamSpec> out = new ArrayList<>();
        long h = bert.hiddenSize(), f = bert.intermediateSize();
        String hf = BertTensorNames.layer(layerIndex, "");
        linear(out, "intermediate.dense", hf, f, h);
        linear(out, "output.dense", hf, h, f);
        layerNorm(out, "output.LayerNorm", hf, h);
        if (adaptation.method().adapterAtFfn())
            out.addAll(AdapterMixture.params(GraphNames.FFN_ADAPTER, h, adaptation));
        return out;
    }

    @Override
    protected Sublayer<?> newLayer(NeuralNetConfiguration conf, DataType dataType) {
        return new FeedForward(conf, dataType);
    }
}
