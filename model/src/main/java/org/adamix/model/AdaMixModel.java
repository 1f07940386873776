package org.adamix.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.adamix.model.adamix.AdaptationModule;
import org.adamix.model.adamix.LoraMixture;
import org.adamix.model.adamix.Router;
import org.adamix.model.checkpoint.Backbone;
import org.adamix.model.layers.Attention;
import org.adamix.model.layers.FeedForward;
import org.adamix.model.layers.Sublayer;
import org.adamix.model.layers.SublayerConf;
import org.adamix.model.ops.ScratchPool;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A BERT-family encoder with a task head and an adaptation method (built by {@link EncoderGraph}):
 * the train step, inference, the flat trainable vector and merging.
 *
 * <p>Only adaptation weights and the head (optionally LayerNorms; everything under {@code full})
 * are DL4J parameters, so {@link #trainableParams()} is exactly the vector data-parallel training
 * averages. Frozen backbone tensors are shared, read-only references to the {@link Backbone}.
 */
public final class AdaMixModel implements Trainable {

    private final Backbone backbone;
    private final AdaptationConfig adaptation;
    private final HeadConfig head;
    private final OptimizerConfig optimizer;
    private final long seed;
    private final DataType dataType;
    private final ComputationGraph graph;
    private final Router router;

    /** The temporaries of every layer, one set per kind of layer. */
    private final ScratchPool scratch = new ScratchPool();

    private final List<SublayerConf> sublayers;
    private long step;

    private AdaMixModel(
            Backbone backbone,
            AdaptationConfig adaptation,
            HeadConfig head,
            OptimizerConfig optimizer,
            long seed,
            DataType dataType) {
        this.backbone = backbone;
        this.adaptation = adaptation.forHead(head);
        this.head = head;
        this.optimizer = optimizer;
        this.seed = seed;
        this.dataType = dataType;
        this.router = new Router(seed);
        this.sublayers =
                EncoderGraph.sublayers(
                        backbone.config(), this.adaptation, head, seed, backbone.hasPooler());
        this.graph =
                EncoderGraph.build(
                        backbone,
                        this.adaptation,
                        head,
                        optimizer,
                        seed,
                        dataType,
                        sublayers,
                        router,
                        scratch);
    }

    public static AdaMixModel build(
            Backbone backbone,
            AdaptationConfig adaptation,
            HeadConfig head,
            OptimizerConfig optimizer,
            long seed,
            DataType dataType) {
        return new AdaMixModel(backbone, adaptation, head, optimizer, seed, dataType);
    }

    public static AdaMixModel build(
            Backbone backbone,
            AdaptationConfig adaptation,
            HeadConfig head,
            OptimizerConfig optimizer,
            long seed) {
        return build(backbone, adaptation, head, optimizer, seed, DataType.FLOAT);
    }

    /**
     * Activation recomputation ("gradient checkpointing"): every Transformer sublayer keeps only
     * its output between the forward and the backward pass and runs its forward pass again right
     * before its backward pass. Training takes about one more forward pass per step; what it holds
     * for the backward pass no longer grows with the number of layers (see the README's memory
     * table). Results are bit for bit those without it. Returns this model.
     */
    public AdaMixModel recomputeActivations() {
        for (SublayerConf s : sublayers) {
            Sublayer<?> layer = sublayer(s.getLayerName());
            if (layer instanceof Attention || layer instanceof FeedForward)
                layer.recomputeInBackward(scratch);
        }
        return this;
    }

    // ---- training and inference ----

    /**
     * One optimizer step on a batch (doubled internally for the consistency loss): the gradient,
     * its global norm clipped (the mean gradient's L2 norm, as PyTorch's clip_grad_norm_ sees it),
     * then DL4J's Adam + decoupled weight decay and the step. Returns the loss of the data (task +
     * consistency), without the weight-decay term.
     */
    public double fit(Batch batch) {
        double loss = computeGradientAndScore(batch);
        INDArray g = graph.getGradientsViewArray();
        int rows = rowsPerStep(batch);
        clipGlobalNorm(g, rows, optimizer.maxGradNorm());
        graph.getUpdater()
                .update(graph.gradient(), (int) step, 0, rows, LayerWorkspaceMgr.noWorkspaces());
        INDArray params = graph.params();
        params.subi(g.reshape(params.shape()));
        graph.clearLayerMaskArrays();
        setStep(step + 1);
        return loss;
    }

    /**
     * g is the gradient of the summed loss over rows; scales it so that ‖g / rows‖ ≤ maxNorm (0 =
     * off).
     */
    static void clipGlobalNorm(INDArray g, int rows, double maxNorm) {
        if (maxNorm <= 0) return;
        double norm = g.norm2Number().doubleValue() / rows;
        if (norm > maxNorm) g.muli(maxNorm / (norm + 1e-6));
    }

    /**
     * Loss of the data and gradient of the trainable vector (un-averaged: the updater divides by
     * the rows), no update. DL4J's score includes the weight-decay term, which is taken out again.
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

    /** Rows the last gradient was computed over (2B with the consistency loss). */
    public int rowsPerStep(Batch batch) {
        return batch.size() * adaptation.views();
    }

    /**
     * The gradient vector of the last {@link #computeGradientAndScore}, aligned with {@link
     * #trainableParams()}.
     */
    public INDArray gradient() {
        return graph.getGradientsViewArray();
    }

    /**
     * Logits [B, C] (regression: [B, 1]) in evaluation mode: dropout off, experts averaged (or
     * routed at random, see {@link #setEvaluationRouting}).
     */
    public INDArray predict(Batch batch) {
        router.setRowsPerSequence(batch.tokens().size(2));
        INDArray out =
                graph.output(false, new INDArray[] {batch.tokens()}, new INDArray[] {batch.mask()})[
                        0];
        return head.regression() ? out.muli(head.targetStd()).addi(head.targetMean()) : out;
    }

    /**
     * Regression targets as the head learns them, (y − mean) / std; classification labels
     * unchanged.
     */
    private INDArray scaledTargets(INDArray labels) {
        if (!head.regression() || (head.targetMean() == 0 && head.targetStd() == 1)) return labels;
        return labels.sub(head.targetMean()).divi(head.targetStd());
    }

    /**
     * How mixtures evaluate: averaged weights (the default, equal to the merged model) or random
     * routes.
     */
    public void setEvaluationRouting(Router.Evaluation e) {
        router.setEvaluation(e);
    }

    /** Final hidden states [B, T, H] (evaluation mode). */
    public INDArray encode(Batch batch) {
        graph.setLayerMaskArrays(new INDArray[] {batch.mask()}, null);
        Map<String, INDArray> acts =
                graph.feedForward(new INDArray[] {batch.tokens()}, false, false);
        String last = sublayers.get(sublayers.size() - 2).getLayerName();
        INDArray out = acts.get(last).dup();
        graph.clearLayerMaskArrays();
        return out;
    }

    // ---- the trainable vector ----

    /**
     * The flat vector of every trainable parameter (a live view: copy it before changing the
     * model).
     */
    @Override
    public INDArray trainableParams() {
        return graph.params();
    }

    @Override
    public void setTrainableParams(INDArray params) {
        graph.setParams(params);
    }

    /** Adam's moment estimates, flat (a live view), or null before the first step. */
    @Override
    public INDArray updaterState() {
        return graph.getUpdater() == null ? null : graph.getUpdater().getStateViewArray();
    }

    /** Creates the optimizer state (zeros) if no step has run yet, e.g. before restoring it. */
    @Override
    public void initUpdater() {
        if (graph.getUpdater() == null || graph.getUpdater().getStateViewArray() == null)
            graph.getUpdater(true);
    }

    @Override
    public long step() {
        return step;
    }

    @Override
    public void setStep(long step) {
        this.step = step;
        graph.getConfiguration().setIterationCount((int) step);
    }

    // ---- merging (AdaMix §3.3) ----

    /**
     * One module instead of the mixture: every stacked expert tensor is replaced by its average, so
     * the result computes exactly what the mixture computes in evaluation mode, at a single
     * module's cost. adamix-adapter becomes a Pfeiffer adapter, adamix-lora becomes LoRA; with
     * {@code foldLora}, LoRA's ΔW = (alpha/r)·B·A is added into the query/value weights and no
     * adaptation module remains.
     */
    public AdaMixModel merge(boolean foldLora) {
        Method target = adaptation.method().merged();
        AdaptationConfig merged = adaptation.withMethod(target);
        Backbone base = backbone;
        if (foldLora && target == Method.LORA) {
            base = foldLora();
            merged = merged.withMethod(Method.NONE);
        }
        AdaMixModel out = new AdaMixModel(base, merged, head, optimizer, seed, dataType);
        // the head (and full's backbone) carry over as they are
        for (Map.Entry<String, INDArray> e : out.graph.paramTable().entrySet()) {
            INDArray src = graph.getParam(e.getKey());
            if (Arrays.equals(src.shape(), e.getValue().shape())) e.getValue().assign(src);
        }
        // each mixture writes its average into its single-module twin (none when LoRA is folded)
        for (String name : sublayerNames()) {
            Sublayer<?> twin = out.sublayer(name);
            if (twin.adaptations().isEmpty()) continue;
            for (AdaptationModule m : sublayer(name).adaptations()) m.writeMerged(twin);
        }
        out.step = step;
        return out;
    }

    /**
     * The backbone with each layer's ΔW = (alpha/r)·B̄·Ā added into its query and value weights.
     */
    private Backbone foldLora() {
        Map<String, INDArray> tensors = new LinkedHashMap<>(backbone.tensors());
        for (SublayerConf conf : sublayers) {
            if (!(sublayer(conf.getLayerName()) instanceof Attention att)) continue;
            for (Map.Entry<String, LoraMixture> e : att.loraByProjection().entrySet()) {
                String name = conf.param(e.getKey()).backboneName();
                INDArray w =
                        tensors.get(name).castTo(DataType.DOUBLE).addi(e.getValue().deltaWeight());
                tensors.put(name, w.castTo(backbone.tensor(name).dataType()));
            }
        }
        return Backbone.of(backbone.config(), tensors, backbone.name() + "+lora");
    }

    private Sublayer<?> sublayer(String name) {
        return (Sublayer<?>) graph.getLayer(name);
    }

    // ---- facts ----

    public ParamCounts paramCounts() {
        return ParamCounts.of(backbone.config(), adaptation, head, backbone.hasPooler());
    }

    public ComputationGraph graph() {
        return graph;
    }

    public Router router() {
        return router;
    }

    public Backbone backbone() {
        return backbone;
    }

    public AdaptationConfig adaptation() {
        return adaptation;
    }

    public HeadConfig head() {
        return head;
    }

    public OptimizerConfig optimizer() {
        return optimizer;
    }

    public long seed() {
        return seed;
    }

    public DataType dataType() {
        return dataType;
    }

    /** Names of the graph's sublayers, bottom to top (without the classifier). */
    public List<String> sublayerNames() {
        List<String> names = new ArrayList<>();
        for (SublayerConf s : sublayers) names.add(s.getLayerName());
        return names;
    }

    public Layer layer(String name) {
        return graph.getLayer(name);
    }

    /** Bytes of every layer's reusable buffers and of the shared temporaries. */
    public long bufferBytes() {
        long b = scratch.bytes();
        for (SublayerConf s : sublayers) b += sublayer(s.getLayerName()).bufferBytes();
        return b;
    }
}
