package org.adamix.model.layers;

import java.util.ArrayList;
import java.util.List;
import org.adamix.model.AdaptationConfig;
import org.adamix.model.BertConfig;
import org.adamix.model.names.BertTensorNames;
import org.adamix.model.names.GraphNames;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Token + position + token-type embeddings (keys without "_": DL4J splits parameter names there)
 * and their LayerNorm (BERT's "embeddings" module).
 */
public class EmbeddingsConf extends SublayerConf {
    public EmbeddingsConf() {}

    public EmbeddingsConf(BertConfig bert, AdaptationConfig adaptation, long seed) {
        super(GraphNames.EMBEDDINGS, bert, adaptation, -1, seed, false);
    }

    @Override
    public List<ParamSpec> params() {
        List<ParamSpec> out = new ArrayList<>();
        out.add(
                backbone(
                        "word.weight",
                        BertTensorNames.WORD_EMBEDDINGS,
                        false,
                        bert.vocabSize(),
                        bert.hiddenSize()));
        out.add(
                backbone(
                        "position.weight",
                        BertTensorNames.POSITION_EMBEDDINGS,
                        false,
                        bert.maxPositions(),
                        bert.hiddenSize()));
        out.add(
                backbone(
                        "tokenType.weight",
                        BertTensorNames.TOKEN_TYPE_EMBEDDINGS,
                        false,
                        bert.typeVocabSize(),
                        bert.hiddenSize()));
        layerNorm(out, "LayerNorm", "embeddings.", bert.hiddenSize());
        return out;
    }

    @Override
    protected Sublayer<?> newLayer(NeuralNetConfiguration conf, DataType dataType) {
        return new Embeddings(conf, dataType);
    }
}
