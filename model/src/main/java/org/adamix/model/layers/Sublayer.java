package org.adamix.model.layers;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.adamix.model.adamix.AdaptationModule;
import org.adamix.model.adamix.Router;
import org.adamix.model.adamix.TensorLookup;
import org.adamix.model.ops.Buffers;
import org.adamix.model.ops.ScratchPool;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Base of the Transformer sublayers: resolves tensors (trainable DL4J parameters or frozen backbone
 * arrays), makes the reusable buffers, and turns {@link #forward}/{@link #backward} into DL4J's
 * activate/backpropGradient. Activations are [B, T, H] (the pooler outputs [B, H]). What a forward
 * pass keeps for its backward pass lives in each layer's Buffer fields.
 */
public abstract class Sublayer<C extends SublayerConf> extends BaseLayer<C>
        implements TensorLookup {
    /** Handed down when nothing below needs an input gradient: lower layers do no work. */
    static final INDArray NO_GRADIENT = Nd4j.scalar(0f);

    protected final Map<String, INDArray> frozen = new HashMap<>();
    protected final Buffers buffers;
    protected Router router;

    protected Sublayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
        this.buffers = new Buffers(dataType);
    }

    /** Gives the layer its frozen tensors and the model's router; called once after graph init. */
    public void bind(Map<String, INDArray> frozenByKey, Router router) {
        this.frozen.putAll(frozenByKey);
        this.router = router;
    }

    /** The adaptation modules this layer holds (none for frozen and head layers). */
    public List<AdaptationModule> adaptations() {
        return List.of();
    }

    protected C c() {
        return layerConf();
    }

    @Override
    public INDArray value(String key) {
        return w(key);
    }

    @Override
    public INDArray gradient(String key) {
        return g(key);
    }

    /** A tensor by key, trainable or frozen. */
    protected INDArray w(String key) {
        INDArray p = params.get(key);
        if (p == null) p = frozen.get(key);
        if (p == null)
            throw new IllegalStateException(
                    layerConf().getLayerName() + ": tensor '" + key + "' not bound");
        return p;
    }

    /** The gradient view of a trainable tensor, null if frozen. */
    protected INDArray g(String key) {
        return params.containsKey(key) ? gradientViews.get(key) : null;
    }

    protected boolean hasTrainable() {
        return !params.isEmpty();
    }

    /** Forward pass of this sublayer; the result is a buffer owned by the layer. */
    protected abstract INDArray forward(INDArray input, boolean training);

    /**
     * Fills the gradient views of trainable tensors and returns the input gradient (or null if not
     * needed).
     */
    protected abstract INDArray backward(INDArray epsilon, boolean needInputGradient);

    /**
     * Time spent per sublayer type and direction, when -Dadamix.profile=true (bench diagnostics).
     */
    public static final Map<String, long[]> PROFILE =
            new java.util.concurrent.ConcurrentHashMap<>();

    private static final boolean PROFILING = Boolean.getBoolean("adamix.profile");

    private static void record(String key, long t0) {
        PROFILE.computeIfAbsent(key, k -> new long[2]);
        long[] v = PROFILE.get(key);
        v[0] += System.nanoTime() - t0;
        v[1]++;
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
        long t0 = PROFILING ? System.nanoTime() : 0;
        INDArray out = forward(input, training);
        if (PROFILING) record(getClass().getSimpleName() + ".forward", t0);
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
        Gradient grad = new DefaultGradient(gradientsFlattened);
        boolean needInput = layerConf().inputGradient();
        if (epsilon == NO_GRADIENT || (!hasTrainable() && !needInput))
            return new Pair<>(grad, needInput ? null : NO_GRADIENT);
        long t0 = PROFILING ? System.nanoTime() : 0;
        if (recompute) forward(input, true);
        INDArray dx = backward(epsilon, needInput);
        if (PROFILING) record(getClass().getSimpleName() + ".backward", t0);
        for (String key : params.keySet()) grad.setGradientFor(key, gradientViews.get(key));
        return new Pair<>(grad, dx == null ? NO_GRADIENT : dx);
    }

    @Override
    public Pair<INDArray, MaskState> feedForwardMaskArray(
            INDArray maskArray, MaskState currentMaskState, int minibatchSize) {
        this.maskArray = maskArray;
        this.maskState = currentMaskState;
        return new Pair<>(maskArray, currentMaskState);
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    @Override
    public void clear() {
        // keep buffers and mask: they are reused by the next pass
        input = null;
    }

    @Override
    public Type type() {
        return Type.FEED_FORWARD;
    }

    @Override
    public boolean hasBias() {
        return false;
    }

    /**
     * This layer's temporaries become {@code pool}'s, shared with the model's other layers of its
     * class (they run one at a time).
     */
    public void shareScratch(ScratchPool pool) {
        buffers.share(pool, getClass().getSimpleName());
    }

    /** Whether the backward pass first runs the forward pass again (activation recomputation). */
    private boolean recompute;

    /**
     * Activation recomputation: this layer keeps only its output between passes and runs its
     * forward pass again, on the same input with the same routes and dropout masks (both are
     * functions of the step), right before its backward pass; what it saves lives in {@code pool},
     * shared with the model's other layers of its class. About one more forward pass per step, for
     * memory that no longer grows with the number of layers.
     */
    public void recomputeInBackward(ScratchPool pool) {
        buffers.shareSaved(pool);
        recompute = true;
    }

    /** Bytes of this layer's own reusable buffers (shared temporaries count in their pool). */
    public long bufferBytes() {
        return buffers.bytes();
    }
}
