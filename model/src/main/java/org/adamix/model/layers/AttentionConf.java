package org.adamix.model.layers;

import java.util.ArrayList;
import java.util.List;
import org.adamix.model.AdaptationConfig;
import org.adamix.model.BertConfig;
import org.adamix.model.adamix.AdapterMixture;
import org.adamix.model.adamix.LoraMixture;
import org.adamix.model.names.BertTensorNames;
import org.adamix.model.names.GraphNames;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Multi-head self-attention with its output projection, residual and LayerNorm (BERT's "attention"
 * module), plus the adaptation that lives there: LoRA (mixtures) on query and value, and Houlsby's
 * adapter after the output projection.
 */
public class AttentionConf extends SublayerConf {

    public AttentionConf() {}

    public AttentionConf(
            BertConfig bert,
            AdaptationConfig adaptation,
            int layer,
            long seed,
            boolean inputGradient) {
        super(GraphNames.attention(layer), bert, adaptation, layer, seed, inputGradient);
    }

    @Override
    public List<ParamSpec> params() {
        List<ParamSpec> out = new ArrayList<>();
        long h = bert.hiddenSize();
        String hf = BertTensorNames.layer(layerIndex, "");
        linear(out, "attention.self.query", hf, h, h);
        linear(out, "attention.self.key", hf, h, h);
        linear(out, "attention.self.value", hf, h, h);
        linear(out, "attention.output.dense", hf, h, h);
        layerNorm(out, "attention.output.LayerNorm", hf, h);
        if (adaptation.method().lora()) {
            out.addAll(LoraMixture.params(GraphNames.LORA_QUERY, h, h, adaptation));
            out.addAll(LoraMixture.params(GraphNames.LORA_VALUE, h, h, adaptation));
        }
        if (adaptation.method().adapterAtAttention())
            out.addAll(AdapterMixture.params(GraphNames.ATTENTION_ADAPTER, h, adaptation));
        return out;
    }

    @Override
    protected Sublayer<?> newLayer(NeuralNetConfiguration conf, DataType dataType) {
        return new Attention(conf, dataType);
    }
}
