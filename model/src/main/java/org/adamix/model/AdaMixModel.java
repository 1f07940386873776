package org.adamix.model;

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
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A BERT-family encoder with a task head and an adaptation method, as one DL4J ComputationGraph:
 * {@code tokens → embeddings → (layerN.attention → layerN.ffn)×L → pooler → classifier}.
 *
 * <p>Only adaptation weights and the head (optionally LayerNorms; everything under {@code full}) are
 * DL4J parameters, so {@link #trainableParams()} is exactly the vector data-parallel training averages.
 * Frozen backbone tensors are shared, read-only references to the {@link Backbone}.
 */
public final class AdaMixModel {
    private final Backbone backbone;
    private final AdaptationConfig adaptation;
    private final HeadConfig head;
    private final OptimizerConfig optimizer;
    private final long seed;
    private final DataType dataType;
    private final ComputationGraph graph;
    private final Router router;
    private final List<SublayerConf> sublayers;
    private long step;

    private AdaMixModel(Backbone backbone, AdaptationConfig adaptation, HeadConfig head, OptimizerConfig optimizer,
                        long seed, DataType dataType) {
        this.backbone = backbone;
        this.adaptation = adaptation.forHead(head);
        this.head = head;
        this.optimizer = optimizer;
        this.seed = seed;
        this.dataType = dataType;
        this.router = new Router(seed);
        this.sublayers = sublayers(backbone.config(), this.adaptation, head, seed, backbone.hasPooler());
        this.graph = new ComputationGraph(graphConfig());
        graph.init();
        initHead();
        bindBackbone();
    }

    /**
     * The task head's start weights, N(0, 0.02) from a generator keyed by the seed, like every other
     * trainable tensor. DL4J's own initialiser draws from ND4J's global generator, which it leaves
     * unseeded for seed 0: the head then differed between JVMs (DeterminismTest).
     */
    private void initHead() {
        INDArray w = graph.getLayer("classifier").getParam("W");
        SpecParamInitializer.fill(w, new ParamSpec("W", w.shape(), true, ParamSpec.Init.NORMAL, null, true), seed, "classifier");
    }

    public static AdaMixModel build(Backbone backbone, AdaptationConfig adaptation, HeadConfig head,
                                    OptimizerConfig optimizer, long seed, DataType dataType) {
        return new AdaMixModel(backbone, adaptation, head, optimizer, seed, dataType);
    }

    public static AdaMixModel build(Backbone backbone, AdaptationConfig adaptation, HeadConfig head,
                                    OptimizerConfig optimizer, long seed) {
        return build(backbone, adaptation, head, optimizer, seed, DataType.FLOAT);
    }

    /** The sublayer configurations in graph order; which of them must pass an input gradient down. */
    static List<SublayerConf> sublayers(BertConfig bert, AdaptationConfig a, HeadConfig head, long seed, boolean poolerInBackbone) {
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

    private ComputationGraphConfiguration graphConfig() {
        BertConfig bert = backbone.config();
        Adam adam = Adam.builder().learningRateSchedule(optimizer.schedule()).beta1(optimizer.beta1())
                .beta2(optimizer.beta2()).epsilon(optimizer.epsilon()).build();
        NeuralNetConfiguration.Builder nb = new NeuralNetConfiguration.Builder()
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
        OutputLayer.Builder out = new OutputLayer.Builder()
                .nIn(bert.hiddenSize()).nOut(head.numLabels())
                .activation(Activation.IDENTITY)
                .lossFunction(new ConsistencyLoss(adaptation.consistencyWeight(), adaptation.views(), head.regression(),
                        adaptation.consistency()))
                .weightInit(new NormalDistribution(0, 0.02)).biasInit(0);
        if (bert.hiddenDropout() > 0) out.dropOut(new Dropout(1.0 - bert.hiddenDropout()));
        gb.addLayer("classifier", out.build(), prev);
        gb.setOutputs("classifier");
        return gb.build();
    }

    /** Frozen tensors become references; trainable backbone tensors (full fine-tuning) are copied in. */
    private void bindBackbone() {
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
        }
    }

    // ---- training and inference ----

    /**
     * One optimizer step on a batch (doubled internally for the consistency loss): the gradient, its
     * global norm clipped (the mean gradient's L2 norm, as PyTorch's clip_grad_norm_ sees it), then
     * DL4J's Adam + decoupled weight decay and the step. Returns the loss of the data (task +
     * consistency), without the weight-decay term.
     */
    public double fit(Batch batch) {
        double loss = computeGradientAndScore(batch);
        INDArray g = graph.getGradientsViewArray();
        int rows = rowsPerStep(batch);
        clipGlobalNorm(g, rows, optimizer.maxGradNorm());
        graph.getUpdater().update(graph.gradient(), (int) step, 0, rows, LayerWorkspaceMgr.noWorkspaces());
        INDArray params = graph.params();
        params.subi(g.reshape(params.shape()));
        graph.clearLayerMaskArrays();
        setStep(step + 1);
        return loss;
    }

    /** g is the gradient of the summed loss over rows; scales it so that ‖g / rows‖ ≤ maxNorm (0 = off). */
    static void clipGlobalNorm(INDArray g, int rows, double maxNorm) {
        if (maxNorm <= 0) return;
        double norm = g.norm2Number().doubleValue() / rows;
        if (norm > maxNorm) g.muli(maxNorm / (norm + 1e-6));
    }

    /**
     * Loss of the data and gradient of the trainable vector (un-averaged: the updater divides by the
     * rows), no update. DL4J's score includes the weight-decay term, which is taken out again.
     */
    public double computeGradientAndScore(Batch batch) {
        router.setStep(step);
        Nd4j.getRandom().setSeed(Router.stepSeed(seed, step));
        Batch b = adaptation.views() == 2 ? batch.doubled() : batch;
        graph.setInputs(b.tokens());
        graph.setLabels(scaledTargets(b.labels()));
        graph.setLayerMaskArrays(new INDArray[] {b.mask()}, null);
        graph.computeGradientAndScore();
        double decayTerm = optimizer.weightDecay() > 0 ? graph.calcRegularizationScore(true) : 0.0;
        return graph.score() - decayTerm;
    }

    /**
     * Logits of a training-mode forward pass (routes of the current step, dropout on), on the doubled
     * batch when the consistency loss is on: rows [0, B) view 1, [B, 2B) view 2.
     */
    public INDArray trainingLogits(Batch batch) {
        router.setStep(step);
        Nd4j.getRandom().setSeed(Router.stepSeed(seed, step));
        Batch b = adaptation.views() == 2 ? batch.doubled() : batch;
        return graph.output(true, new INDArray[] {b.tokens()}, new INDArray[] {b.mask()})[0].dup();
    }

    /** Rows the last gradient was computed over (2B with the consistency loss). */
    public int rowsPerStep(Batch batch) {
        return batch.size() * adaptation.views();
    }

    /** The gradient vector of the last {@link #computeGradientAndScore}, aligned with {@link #trainableParams()}. */
    public INDArray gradient() {
        return graph.getGradientsViewArray();
    }

    /**
     * Logits [B, C] (regression: [B, 1]) in evaluation mode: dropout off, experts averaged (or routed at
     * random, see {@link #setEvaluationRouting}).
     */
    public INDArray predict(Batch batch) {
        router.setRowsPerSequence(batch.tokens().size(2));
        INDArray out = graph.output(false, new INDArray[] {batch.tokens()}, new INDArray[] {batch.mask()})[0];
        return head.regression() ? out.muli(head.targetStd()).addi(head.targetMean()) : out;
    }

    /** Regression targets as the head learns them, (y − mean) / std; classification labels unchanged. */
    private INDArray scaledTargets(INDArray labels) {
        if (!head.regression() || (head.targetMean() == 0 && head.targetStd() == 1)) return labels;
        return labels.sub(head.targetMean()).divi(head.targetStd());
    }

    /** How mixtures evaluate: averaged weights (the default, equal to the merged model) or random routes. */
    public void setEvaluationRouting(Router.Evaluation e) {
        router.setEvaluation(e);
    }

    /** Final hidden state of the first token [B, H] (evaluation mode), for checking imports. */
    public INDArray encodeFirstToken(Batch batch) {
        Map<String, INDArray> acts = graph.feedForward(new INDArray[] {batch.tokens()}, false, false);
        String last = sublayers.get(sublayers.size() - 2).getLayerName();
        INDArray h = acts.get(last);
        return h.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                org.nd4j.linalg.indexing.NDArrayIndex.all()).dup();
    }

    /** Final hidden states [B, T, H] (evaluation mode). */
    public INDArray encode(Batch batch) {
        graph.setLayerMaskArrays(new INDArray[] {batch.mask()}, null);
        Map<String, INDArray> acts = graph.feedForward(new INDArray[] {batch.tokens()}, false, false);
        String last = sublayers.get(sublayers.size() - 2).getLayerName();
        INDArray out = acts.get(last).dup();
        graph.clearLayerMaskArrays();
        return out;
    }

    // ---- the trainable vector ----

    /** The flat vector of every trainable parameter (a live view: copy it before changing the model). */
    public INDArray trainableParams() {
        return graph.params();
    }

    public void setTrainableParams(INDArray params) {
        graph.setParams(params);
    }

    /** Adam's moment estimates, flat (a live view), or null before the first step. */
    public INDArray updaterState() {
        return graph.getUpdater() == null ? null : graph.getUpdater().getStateViewArray();
    }

    /** Creates the optimizer state (zeros) if no step has run yet, e.g. before restoring it. */
    public void initUpdater() {
        if (graph.getUpdater() == null || graph.getUpdater().getStateViewArray() == null) graph.getUpdater(true);
    }

    public long step() {
        return step;
    }

    public void setStep(long step) {
        this.step = step;
        graph.getConfiguration().setIterationCount((int) step);
    }

    // ---- merging (AdaMix §3.3) ----

    /**
     * One module instead of the mixture: every stacked expert tensor is replaced by its average, so the
     * result computes exactly what the mixture computes in evaluation mode, at a single module's cost.
     * adamix-adapter becomes a Pfeiffer adapter, adamix-lora becomes LoRA; with {@code foldLora}, LoRA's
     * ΔW = (alpha/r)·B·A is added into the query/value weights and no adaptation module remains.
     */
    public AdaMixModel merge(boolean foldLora) {
        Method target = switch (adaptation.method()) {
            case ADAMIX_ADAPTER -> Method.PFEIFFER;
            case ADAMIX_LORA -> Method.LORA;
            default -> adaptation.method();
        };
        AdaptationConfig merged = adaptation.withMethod(target);
        Backbone base = backbone;
        if (foldLora && target == Method.LORA) {
            base = foldLora();
            merged = merged.withMethod(Method.NONE);
        }
        AdaMixModel out = new AdaMixModel(base, merged, head, optimizer, seed, dataType);
        for (Map.Entry<String, INDArray> e : out.graph.paramTable().entrySet()) {
            INDArray src = graph.getParam(e.getKey());
            e.getValue().assign(averageExperts(src, e.getValue().shape()));
        }
        out.step = step;
        return out;
    }

    private static INDArray averageExperts(INDArray src, long[] targetShape) {
        if (java.util.Arrays.equals(src.shape(), targetShape)) return src;
        return src.mean(true, 0).reshape(targetShape);
    }

    private Backbone foldLora() {
        Map<String, INDArray> tensors = new LinkedHashMap<>(backbone.tensors());
        double scale = adaptation.loraScale();
        for (int i = 0; i < backbone.config().numLayers(); i++) {
            for (String proj : List.of("query", "value")) {
                String layer = "layer" + i + ".attention_lora." + proj;
                INDArray a = graph.getParam(layer + ".A").castTo(DataType.DOUBLE).mean(0);
                INDArray b = graph.getParam(layer + ".B").castTo(DataType.DOUBLE).mean(0);
                String name = "encoder.layer." + i + ".attention.self." + proj + ".weight";
                INDArray w = tensors.get(name).castTo(DataType.DOUBLE).add(b.mmul(a).muli(scale));
                tensors.put(name, w.castTo(backbone.tensor(name).dataType()));
            }
        }
        return Backbone.of(backbone.config(), tensors, backbone.name() + "+lora");
    }

    // ---- facts ----

    public ParamCounts paramCounts() {
        return ParamCounts.of(backbone.config(), adaptation, head, backbone.hasPooler());
    }

    public ComputationGraph graph() { return graph; }

    public Router router() { return router; }

    public Backbone backbone() { return backbone; }

    public AdaptationConfig adaptation() { return adaptation; }

    public HeadConfig head() { return head; }

    public OptimizerConfig optimizer() { return optimizer; }

    public long seed() { return seed; }

    public DataType dataType() { return dataType; }

    /** Names of the graph's sublayers, bottom to top (without the classifier). */
    public List<String> sublayerNames() {
        List<String> names = new ArrayList<>();
        for (SublayerConf s : sublayers) names.add(s.getLayerName());
        return names;
    }

    public Layer layer(String name) {
        return graph.getLayer(name);
    }

    /** Bytes of every layer's reusable buffers. */
    public long scratchBytes() {
        long b = 0;
        for (SublayerConf s : sublayers) b += ((Sublayer<?>) graph.getLayer(s.getLayerName())).scratchBytes();
        return b;
    }
}
