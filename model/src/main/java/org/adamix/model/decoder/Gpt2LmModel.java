package org.adamix.model.decoder;

import java.util.LinkedHashMap;
import java.util.Map;
import org.adamix.model.AdaptationConfig;
import org.adamix.model.Method;
import org.adamix.model.OptimizerConfig;
import org.adamix.model.adamix.AdaptationModule;
import org.adamix.model.adamix.LoraMixture;
import org.adamix.model.adamix.Router;
import org.adamix.model.checkpoint.Gpt2Backbone;
import org.adamix.model.layers.ParamSpec;
import org.adamix.model.names.Gpt2TensorNames;
import org.adamix.model.ops.Buffer;
import org.adamix.model.ops.Ops;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;

/**
 * GPT-2 with an adaptation method, trained as a language model on source → target pairs: the
 * decoder counterpart of {@code AdaMixModel}. One step: the batch (doubled for AdaMix's two routed
 * views), the authors' objective ({@link LmLoss}), the backward pass, the global gradient norm
 * clipped, AdamW (decoupled weight decay on weights only) with warm-up and linear decay.
 *
 * <p>The trainable tensors are one flat vector ({@link #trainableParams()}), Adam's moments another
 * ({@link #updaterState()}): what data-parallel training broadcasts and averages. Evaluation and
 * generation run with the experts' weights averaged, which is what {@link #merge} writes out.
 */
public final class Gpt2LmModel implements org.adamix.model.Trainable {
    private final Gpt2Backbone backbone;
    private final AdaptationConfig adaptation;
    private final OptimizerConfig optimizer;
    private final double labelSmoothing;
    private final long seed;
    private final Gpt2Tensors tensors;
    private final Router router;
    private final Gpt2Decoder decoder;
    private final LmLoss loss;
    private final Buffer dLogits;
    private final KvCache evaluationCache;
    private INDArray updaterState;
    private GradientUpdater<?> updater;
    private long step;

    private Gpt2LmModel(
            Gpt2Backbone backbone,
            AdaptationConfig adaptation,
            OptimizerConfig optimizer,
            double labelSmoothing,
            long seed,
            DataType dataType) {
        this.backbone = backbone;
        this.adaptation = adaptation;
        this.optimizer = optimizer;
        this.labelSmoothing = labelSmoothing;
        this.seed = seed;
        this.tensors = Gpt2Tensors.of(backbone, adaptation, seed, dataType);
        this.router = new Router(seed);
        this.decoder = new Gpt2Decoder(tensors, backbone.config(), adaptation, router);
        this.loss = new LmLoss(labelSmoothing, adaptation.consistencyWeight());
        this.evaluationCache = decoder.newCache();
        this.dLogits = new org.adamix.model.ops.Buffers(dataType).next();
        if (adaptation.method().mixture()
                && adaptation.consistency() != org.adamix.model.adamix.ConsistencyLoss.Form.AUTHORS)
            throw new IllegalArgumentException(
                    "the decoder trains the authors' consistency loss only, not "
                            + adaptation.consistency().cliName());
    }

    public static Gpt2LmModel build(
            Gpt2Backbone backbone,
            AdaptationConfig adaptation,
            OptimizerConfig optimizer,
            double labelSmoothing,
            long seed,
            DataType dataType) {
        return new Gpt2LmModel(backbone, adaptation, optimizer, labelSmoothing, seed, dataType);
    }

    /** One optimizer step; returns the batch's loss (task + consistency) before the step. */
    public double fit(LmBatch batch) {
        double value = computeGradientAndScore(batch);
        INDArray g = tensors.gradientVector();
        double maxNorm = optimizer.maxGradNorm();
        if (maxNorm > 0) {
            double norm = g.norm2Number().doubleValue();
            if (norm > maxNorm) g.muli(maxNorm / (norm + 1e-6));
        }
        initUpdater();
        updater.applyUpdater(g, (int) step, 0); // g becomes Adam's update
        double lr = optimizer.schedule().valueAt((int) step, 0);
        if (optimizer.weightDecay() > 0)
            for (ParamSpec p : tensors.decayed())
                tensors.value(p.key()).muli(1.0 - lr * optimizer.weightDecay());
        tensors.params().subi(g);
        step++;
        return value;
    }

    /**
     * The loss of the batch and the gradient of the mean loss in {@link #gradient()}, no update.
     * Routes and dropout masks are a function of (seed, step): a repeated call gives the same.
     */
    public double computeGradientAndScore(LmBatch batch) {
        INDArray logits = trainingLogits(batch);
        INDArray d = dLogits.get(logits.shape());
        double value = loss.compute(logits, batch.targets(), adaptation.views(), d);
        decoder.backward(d);
        return value;
    }

    /**
     * The training forward pass at the current step: logits [views·batch·t, vocab], the views
     * stacked by rows (a view of the decoder's buffer).
     */
    INDArray trainingLogits(LmBatch batch) {
        router.setStep(step);
        Nd4j.getRandom().setSeed(Router.stepSeed(seed, step));
        int views = adaptation.views();
        INDArray logits =
                decoder.forwardTraining(
                        batch.repeated(batch.ids(), views),
                        batch.repeated(batch.mask(), views),
                        batch.batch() * views,
                        batch.t(),
                        views);
        return logits.reshape((long) batch.batch() * views * batch.t(), logits.size(2));
    }

    /**
     * Mean negative log-likelihood per target token in evaluation mode (no smoothing, experts
     * averaged): log-perplexity on held-out data.
     */
    public double evaluationLoss(LmBatch batch) {
        KvCache cache = evaluationCache; // one per model: its buffers are reused batch after batch
        cache.reset(batch.batch(), batch.t());
        INDArray logits = decoder.append(cache, batch.ids(), batch.mask(), batch.t());
        INDArray flat = logits.reshape((long) batch.batch() * batch.t(), logits.size(2));
        return new LmLoss(0, 0).compute(flat, batch.targets(), 1, null);
    }

    /** The decoder in evaluation mode: generation, beam search (experts averaged). */
    public Gpt2Decoder decoder() {
        return decoder;
    }

    // ---- the trainable vector ----

    @Override
    public INDArray trainableParams() {
        return tensors.params();
    }

    @Override
    public void setTrainableParams(INDArray params) {
        tensors.params().assign(params.reshape(tensors.params().shape()));
    }

    /** The gradient of the last {@link #computeGradientAndScore}, aligned with the parameters. */
    public INDArray gradient() {
        return tensors.gradientVector();
    }

    /** Adam's moments, flat (a live view), or null before the first step. */
    @Override
    public INDArray updaterState() {
        return updaterState;
    }

    /** Creates Adam's state (zeros) if no step has run yet, e.g. before restoring it. */
    @Override
    public void initUpdater() {
        if (updater != null) return;
        Adam adam = optimizer.updater();
        long n = tensors.params().length();
        updaterState = Nd4j.create(tensors.params().dataType(), 1, adam.stateSize(n));
        updater = adam.instantiate(updaterState, true);
    }

    @Override
    public long step() {
        return step;
    }

    @Override
    public void setStep(long step) {
        this.step = step;
    }

    // ---- merging (AdaMix §3.3) ----

    /**
     * One module instead of the mixture: every stacked expert tensor replaced by its average, so
     * the result computes what the mixture computes in evaluation mode at a single module's cost.
     * With {@code foldLora}, LoRA's ΔW = (α/r)·B̄·Ā goes into c_attn's query and value rows and no
     * module remains.
     */
    public Gpt2LmModel merge(boolean foldLora) {
        Method target = adaptation.method().merged();
        AdaptationConfig merged = adaptation.withMethod(target);
        Gpt2Backbone base = trainedBackbone();
        if (foldLora && target == Method.LORA) {
            base = foldLora(base);
            merged = merged.withMethod(Method.NONE);
        }
        Gpt2LmModel out =
                new Gpt2LmModel(
                        base, merged, optimizer, labelSmoothing, seed, tensors.params().dataType());
        // trained LayerNorms carry over; each mixture writes its average into its twin
        for (ParamSpec p : out.tensors.specs())
            if (p.trainable() && p.init() == ParamSpec.Init.BACKBONE && tensors.trainable(p.key()))
                out.tensors.value(p.key()).assign(tensors.value(p.key()));
        if (!merged.method().equals(Method.NONE))
            for (AdaptationModule m : decoder.adaptations()) m.writeMerged(out.tensors);
        out.step = step;
        return out;
    }

    /** The backbone with its trained tensors as they are now (full fine-tuning, LayerNorms). */
    public Gpt2Backbone trainedBackbone() {
        Map<String, INDArray> t = new LinkedHashMap<>(backbone.tensors());
        for (String name : Gpt2TensorNames.required(backbone.config()).keySet())
            if (tensors.trainable(name))
                t.put(name, tensors.value(name).castTo(DataType.FLOAT).dup());
        return new Gpt2Backbone(backbone.config(), t, backbone.name());
    }

    /** c_attn's query and value rows += each layer's ΔW, in double, stored as float. */
    private Gpt2Backbone foldLora(Gpt2Backbone base) {
        Map<String, INDArray> t = new LinkedHashMap<>(base.tensors());
        long h = base.config().hiddenSize();
        for (int l = 0; l < base.config().numLayers(); l++) {
            String name = Gpt2TensorNames.block(l, Gpt2TensorNames.C_ATTN) + ".weight";
            INDArray w = t.get(name).castTo(DataType.DOUBLE);
            LoraMixture[] qv = decoder.lora(l);
            Ops.rows(w, 0, h).addi(qv[0].deltaWeight());
            Ops.rows(w, 2 * h, 3 * h).addi(qv[1].deltaWeight());
            t.put(name, w.castTo(DataType.FLOAT));
        }
        return new Gpt2Backbone(base.config(), t, base.name() + "+lora");
    }

    // ---- facts ----

    public Gpt2Tensors tensors() {
        return tensors;
    }

    public AdaptationConfig adaptation() {
        return adaptation;
    }

    public Router router() {
        return router;
    }

    public long seed() {
        return seed;
    }
}
