package org.adamix.model.layers;

import java.util.ArrayList;
import java.util.List;
import org.adamix.model.AdaptationConfig;
import org.adamix.model.BertConfig;
import org.adamix.model.HeadConfig;
import org.adamix.model.names.GraphNames;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * One vector per sequence from the final hidden states ({@link HeadConfig.Pooling}): the first
 * token, the first token through dense + tanh, or the mean over real tokens. The dense + tanh is
 * the backbone's pre-trained pooler, frozen (as the authors keep BERT's), when a BERT-type backbone
 * has one; a trained layer otherwise (RoBERTa's classification head, started from the checkpoint's
 * pooler if any).
 */
public class PoolerConf extends SublayerConf {
    private HeadConfig.Pooling pooling;
    private boolean poolerInBackbone;

    public PoolerConf() {}

    public PoolerConf(
            BertConfig bert,
            AdaptationConfig adaptation,
            long seed,
            HeadConfig.Pooling pooling,
            boolean poolerInBackbone) {
        super(GraphNames.POOLER, bert, adaptation, -1, seed, true);
        this.pooling = pooling;
        this.poolerInBackbone = poolerInBackbone;
    }

    public HeadConfig.Pooling pooling() {
        return pooling;
    }

    @Override
    public List<ParamSpec> params() {
        List<ParamSpec> out = new ArrayList<>();
        if (pooling == HeadConfig.Pooling.POOLER) {
            long h = bert.hiddenSize();
            if (poolerInBackbone && !roberta()) {
                out.add(backbone("dense.weight", "pooler.dense.weight", false, h, h));
                out.add(backbone("dense.bias", "pooler.dense.bias", false, h));
            } else {
                // RoBERTa's classification head is new and trained; a pooler in its checkpoint is
                // only a start
                ParamSpec.Init w =
                        poolerInBackbone ? ParamSpec.Init.BACKBONE : ParamSpec.Init.NORMAL;
                ParamSpec.Init b = poolerInBackbone ? ParamSpec.Init.BACKBONE : ParamSpec.Init.ZERO;
                out.add(
                        new ParamSpec(
                                "dense.weight",
                                new long[] {h, h},
                                true,
                                w,
                                "pooler.dense.weight",
                                true));
                out.add(
                        new ParamSpec(
                                "dense.bias", new long[] {h}, true, b, "pooler.dense.bias", false));
            }
        }
        return out;
    }

    private boolean roberta() {
        return bert.modelType() != null && bert.modelType().contains("roberta");
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
