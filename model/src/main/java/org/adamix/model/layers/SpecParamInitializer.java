package org.adamix.model.layers;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Carves a sublayer's trainable tensors out of DL4J's one flat parameter vector (and the gradient
 * vector alike), in the order of {@link SublayerConf#params()}. Random starts are drawn from a
 * generator keyed by (seed, layer, tensor), so they do not depend on construction order.
 */
public final class SpecParamInitializer implements ParamInitializer {
    public static final SpecParamInitializer INSTANCE = new SpecParamInitializer();
    static final double INIT_STD = 0.02;

    private static List<ParamSpec> trainable(Layer layer) {
        return ((SublayerConf) layer).trainableParams();
    }

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
        long n = 0;
        for (ParamSpec p : trainable(layer)) n += p.length();
        return n;
    }

    @Override
    public List<String> paramKeys(Layer layer) {
        List<String> keys = new ArrayList<>();
        for (ParamSpec p : trainable(layer)) keys.add(p.key());
        return keys;
    }

    @Override
    public List<String> weightKeys(Layer layer) {
        List<String> keys = new ArrayList<>();
        for (ParamSpec p : trainable(layer)) if (p.decay()) keys.add(p.key());
        return keys;
    }

    @Override
    public List<String> biasKeys(Layer layer) {
        List<String> keys = new ArrayList<>();
        for (ParamSpec p : trainable(layer)) if (!p.decay()) keys.add(p.key());
        return keys;
    }

    @Override
    public boolean isWeightParam(Layer layer, String key) {
        return weightKeys(layer).contains(key);
    }

    @Override
    public boolean isBiasParam(Layer layer, String key) {
        return biasKeys(layer).contains(key);
    }

    @Override
    public Map<String, INDArray> init(
            NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
        SublayerConf layer = (SublayerConf) conf.getLayer();
        Map<String, INDArray> views = views(layer, paramsView);
        if (initializeParams) {
            for (ParamSpec p : layer.trainableParams())
                fill(views.get(p.key()), p, layer.seed(), layer.getLayerName());
        }
        return views;
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(
            NeuralNetConfiguration conf, INDArray gradientView) {
        return views((SublayerConf) conf.getLayer(), gradientView);
    }

    /** c-ordered views of consecutive ranges of the flat vector. */
    static Map<String, INDArray> views(SublayerConf layer, INDArray flat) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        long offset = 0;
        for (ParamSpec p : layer.trainableParams()) {
            out.put(
                    p.key(),
                    Nd4j.create(
                            flat.data(),
                            p.shape(),
                            Nd4j.getStrides(p.shape(), 'c'),
                            flat.offset() + offset,
                            'c',
                            flat.dataType()));
            offset += p.length();
        }
        return out;
    }

    /**
     * Deterministic start value of a tensor; backbone tensors are overwritten by the model builder.
     */
    public static void fill(INDArray target, ParamSpec p, long seed, String layerName) {
        switch (p.init()) {
            case ZERO, BACKBONE -> target.assign(0);
            case ONE -> target.assign(1);
            case NORMAL, NORMAL_SAME_FOR_EXPERTS -> {
                SplittableRandom r =
                        new SplittableRandom(
                                seed
                                        ^ (layerName + "/" + p.key()).hashCode()
                                                * 0x9E3779B97F4A7C15L);
                double[] v = new double[(int) p.length()];
                int drawn =
                        p.init() == ParamSpec.Init.NORMAL
                                ? v.length
                                : (int) (p.length() / p.shape()[0]); // one expert
                for (int i = 0; i < drawn; i++) v[i] = gaussian(r) * INIT_STD;
                for (int i = drawn; i < v.length; i++) v[i] = v[i % drawn];
                target.assign(Nd4j.createFromArray(v).reshape(p.shape()).castTo(target.dataType()));
            }
        }
    }

    /**
     * One N(0, 1) draw by Box–Muller (SplittableRandom has no nextGaussian in Java 17); u is in (0,
     * 1], so log(u) is finite. Every seeded initialiser uses this one copy.
     */
    public static double gaussian(SplittableRandom r) {
        double u = 1.0 - r.nextDouble(), v = r.nextDouble();
        return Math.sqrt(-2.0 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
}
