package org.adamix.model.layers;

import org.adamix.model.AdaptationConfig;
import org.adamix.model.BertConfig;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.ArrayList;
import java.util.List;

/**
 * The first token's final hidden state, optionally through BERT's pooler (dense + tanh). The pooler
 * belongs to the task head: always trained, started from the backbone's pooler when it has one.
 */
public class PoolerConf extends SublayerConf {
    private boolean pooler;
    private boolean poolerInBackbone;

    public PoolerConf() {}

    public PoolerConf(BertConfig bert, AdaptationConfig adaptation, long seed, boolean pooler, boolean poolerInBackbone) {
        super("pooler", bert, adaptation, -1, seed, true);
        this.pooler = pooler;
        this.poolerInBackbone = poolerInBackbone;
    }

    public boolean pooler() {
        return pooler;
    }

    @Override
    public List<ParamSpec> params() {
        List<ParamSpec> out = new ArrayList<>();
        if (pooler) {
            long h = bert.hiddenSize();
            ParamSpec.Init init = poolerInBackbone ? ParamSpec.Init.BACKBONE : ParamSpec.Init.NORMAL;
            out.add(new ParamSpec("dense.weight", new long[] {h, h}, true, init, "pooler.dense.weight", true));
            out.add(new ParamSpec("dense.bias", new long[] {h}, true,
                    poolerInBackbone ? ParamSpec.Init.BACKBONE : ParamSpec.Init.ZERO, "pooler.dense.bias", false));
        }
        return out;
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return InputType.feedForward(bert.hiddenSize());
    }

    @Override
    protected Sublayer<?> newLayer(NeuralNetConfiguration conf, DataType dataType) {
        return new Pooler(conf, dataType);
    }
}
