package org.adamix.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.adamix.model.adamix.ConsistencyLoss;
import org.adamix.model.adamix.Router;
import org.adamix.model.checkpoint.Backbone;
import org.adamix.model.layers.AttentionConf;
import org.adamix.model.layers.EmbeddingsConf;
import org.adamix.model.layers.FeedForwardConf;
import org.adamix.model.layers.ParamSpec;
import org.adamix.model.layers.PoolerConf;
import org.adamix.model.layers.SpecParamInitializer;
import org.adamix.model.layers.Sublayer;
import org.adamix.model.layers.SublayerConf;
import org.adamix.model.names.GraphNames;
import org.adamix.model.ops.ScratchPool;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Builds a BERT-family encoder with a task head and an adaptation method as one DL4J
 * ComputationGraph, {@code tokens → embeddings → (layerN.attention → layerN.ffn)×L → pooler →
 * classifier}, and binds the backbone's tensors into it. Running the graph is {@link AdaMixModel}'s
 * job.
 */
final class EncoderGraph {
    private EncoderGraph() {}

    /**
     * The sublayer configurations in graph order; which of them must pass an input gradient down.
     */
    static List<SublayerConf> sublayers(
            BertConfig bert,
            AdaptationConfig a,
            HeadConfig head,
            long seed,
            boolean poolerInBackbone) {
        List<SublayerConf> out = new ArrayList<>();
        EmbeddingsConf emb = new EmbeddingsConf(bert, a, seed);
        out.add(emb);
        boolean trainedBelow = !emb.trainableParams().isEmpty();
        for (int i = 0; i < bert.numLayers(); i++) {
            AttentionConf att = new AttentionConf(bert, a, i, seed, trainedBelow);
            out.add(att);
            trainedBelow |= !att.trainableParams().isEmpty();
            FeedForwardConf ffn = new FeedForwardConf(bert, a, i, seed, trainedBelow);
            out.add(ffn);
            trainedBelow |= !ffn.trainableParams().isEmpty();
        }
        out.add(new PoolerConf(bert, a, seed, head.pooling(), poolerInBackbone));
        return out;
    }

    /**
     * The initialised graph with the backbone bound, the head drawn from the seed and the layers'
     * temporaries in {@code scratch}.
     */
    static ComputationGraph build(
            Backbone backbone,
            AdaptationConfig adaptation,
            HeadConfig head,
            OptimizerConfig optimizer,
            long seed,
            DataType dataType,
            List<SublayerConf> sublayers,
            Router router,
            ScratchPool scratch) {
        ComputationGraph graph =
                new ComputationGraph(
                        config(
                                backbone.config(),
                                adaptation,
                                head,
                                optimizer,
                                seed,
                                dataType,
                                sublayers));
        graph.init();
        initHead(graph, seed);
        bindBackbone(graph, backbone, sublayers, router, dataType, scratch);
        return graph;
    }

    private static ComputationGraphConfiguration config(
            BertConfig bert,
            AdaptationConfig adaptation,
            HeadConfig head,
            OptimizerConfig optimizer,
            long seed,
            DataType dataType,
            List<SublayerConf> sublayers) {
        Adam adam = optimizer.updater();
        NeuralNetConfiguration.Builder nb =
                new NeuralNetConfiguration.Builder()
                        .seed(seed)
                        .dataType(dataType)
                        .updater(adam)
                        .trainingWorkspaceMode(WorkspaceMode.NONE)
                        .inferenceWorkspaceMode(WorkspaceMode.NONE)
                        .cacheMode(CacheMode.NONE);
        if (optimizer.weightDecay() > 0) nb.weightDecay(optimizer.weightDecay(), true);
        ComputationGraphConfiguration.GraphBuilder gb = nb.graphBuilder().addInputs("tokens");
        String prev = "tokens";
        for (SublayerConf s : sublayers) {
            gb.addLayer(s.getLayerName(), s, prev);
            prev = s.getLayerName();
        }
        OutputLayer.Builder out =
                new OutputLayer.Builder()
                        .nIn(bert.hiddenSize())
                        .nOut(head.numLabels())
                        .activation(Activation.IDENTITY)
                        .lossFunction(
                                new ConsistencyLoss(
                                        adaptation.consistencyWeight(),
                                        adaptation.views(),
                                        head.regression(),
                                        adaptation.consistency()))
                        .weightInit(new NormalDistribution(0, 0.02))
                        .biasInit(0);
        if (bert.hiddenDropout() > 0) out.dropOut(new Dropout(1.0 - bert.hiddenDropout()));
        gb.addLayer(GraphNames.CLASSIFIER, out.build(), prev);
        gb.setOutputs(GraphNames.CLASSIFIER);
        return gb.build();
    }

    /**
     * The task head's start weights, N(0, 0.02) from a generator keyed by the seed, like every
     * other trainable tensor. DL4J's own initialiser draws from ND4J's global generator, which it
     * leaves unseeded for seed 0: the head then differed between JVMs (DeterminismTest).
     */
    private static void initHead(ComputationGraph graph, long seed) {
        INDArray w = graph.getLayer(GraphNames.CLASSIFIER).getParam("W");
        SpecParamInitializer.fill(
                w,
                new ParamSpec("W", w.shape(), true, ParamSpec.Init.NORMAL, null, true),
                seed,
                GraphNames.CLASSIFIER);
    }

    /**
     * Frozen tensors become references; trainable backbone tensors (full fine-tuning) are copied
     * in.
     */
    private static void bindBackbone(
            ComputationGraph graph,
            Backbone backbone,
            List<SublayerConf> sublayers,
            Router router,
            DataType dataType,
            ScratchPool scratch) {
        for (SublayerConf conf : sublayers) {
            Sublayer<?> layer = (Sublayer<?>) graph.getLayer(conf.getLayerName());
            Map<String, INDArray> frozen = new HashMap<>();
            for (ParamSpec p : conf.params()) {
                if (p.init() != ParamSpec.Init.BACKBONE) continue;
                INDArray src = backbone.tensor(p.backboneName());
                if (p.trainable()) layer.getParam(p.key()).assign(src);
                else frozen.put(p.key(), src.dataType() == dataType ? src : src.castTo(dataType));
            }
            layer.bind(frozen, router);
            layer.shareScratch(scratch);
        }
    }
}
