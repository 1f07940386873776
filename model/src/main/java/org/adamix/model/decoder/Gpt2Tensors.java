package org.adamix.model.decoder;

import static org.adamix.model.names.Gpt2TensorNames.ATTN_C_PROJ;
import static org.adamix.model.names.Gpt2TensorNames.C_ATTN;
import static org.adamix.model.names.Gpt2TensorNames.MLP_C_PROJ;
import static org.adamix.model.names.Gpt2TensorNames.block;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.adamix.model.AdaptationConfig;
import org.adamix.model.adamix.AdapterMixture;
import org.adamix.model.adamix.LoraMixture;
import org.adamix.model.adamix.TensorLookup;
import org.adamix.model.checkpoint.Gpt2Backbone;
import org.adamix.model.layers.ParamSpec;
import org.adamix.model.layers.SpecParamInitializer;
import org.adamix.model.names.Gpt2TensorNames;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Every tensor of a GPT-2 with an adaptation method, by name: the backbone's (Hugging Face names,
 * Linear layout [out, in]) and the modules' (e.g. {@code h.0.attn.c_attn.lora_q.A}). Trainable
 * tensors are views of one flat parameter vector, with a gradient view of the same shape in one
 * flat gradient vector: the vector that data-parallel training averages, as the encoder's DL4J
 * parameter vector is. Frozen tensors are read-only references to the backbone, in the decoder's
 * data type.
 *
 * <p>What is trained follows the method: everything under {@code full}; otherwise the modules only.
 * The order of the flat vector is the order of {@link #specs}.
 */
public final class Gpt2Tensors implements TensorLookup {
    private final Map<String, INDArray> values = new LinkedHashMap<>();
    private final Map<String, INDArray> gradients = new LinkedHashMap<>();
    private final List<ParamSpec> specs;
    private final INDArray params, gradient;

    private Gpt2Tensors(
            Gpt2Backbone backbone,
            AdaptationConfig adaptation,
            long seed,
            DataType dataType,
            List<ParamSpec> specs) {
        this.specs = specs;
        long n = 0;
        for (ParamSpec p : specs) if (p.trainable()) n += p.length();
        params = Nd4j.create(dataType, 1, Math.max(n, 1));
        gradient = Nd4j.create(dataType, 1, Math.max(n, 1));
        long offset = 0;
        for (ParamSpec p : specs) {
            if (!p.trainable()) {
                INDArray t = backbone.tensor(p.key());
                values.put(p.key(), t.dataType() == dataType ? t : t.castTo(dataType));
                continue;
            }
            INDArray value = view(params, offset, p.shape());
            gradients.put(p.key(), view(gradient, offset, p.shape()));
            if (p.init() == ParamSpec.Init.BACKBONE) value.assign(backbone.tensor(p.key()));
            else SpecParamInitializer.fill(value, p, seed, "gpt2");
            values.put(p.key(), value);
            offset += p.length();
        }
    }

    /** The tensors of {@code backbone} with {@code adaptation}'s modules, drawn from the seed. */
    public static Gpt2Tensors of(
            Gpt2Backbone backbone, AdaptationConfig adaptation, long seed, DataType dataType) {
        return new Gpt2Tensors(
                backbone, adaptation, seed, dataType, specs(backbone.config(), adaptation));
    }

    /** Every tensor in model order: the backbone's, each block's modules after its own tensors. */
    public static List<ParamSpec> specs(Gpt2Config config, AdaptationConfig a) {
        long h = config.hiddenSize();
        List<ParamSpec> out = new ArrayList<>();
        for (Map.Entry<String, long[]> e : Gpt2TensorNames.required(config).entrySet()) {
            String name = e.getKey();
            boolean layerNorm = name.contains("ln_");
            boolean trainable = a.backboneTrainable() || (layerNorm && a.trainLayerNorms());
            out.add(
                    new ParamSpec(
                            name,
                            e.getValue(),
                            trainable,
                            ParamSpec.Init.BACKBONE,
                            name,
                            ParamSpec.decays(name, layerNorm)));
            if (!name.startsWith("h.") || !name.endsWith(MLP_C_PROJ + ".bias")) continue;
            // the block's last tensor: its modules follow
            int layer = Integer.parseInt(name.substring(2, name.indexOf('.', 2)));
            if (a.method().lora()) {
                out.addAll(LoraMixture.params(loraQuery(layer), h, h, a));
                out.addAll(LoraMixture.params(loraValue(layer), h, h, a));
            }
            if (a.method().adapterAtAttention())
                out.addAll(AdapterMixture.params(attentionAdapter(layer), h, a));
            if (a.method().adapterAtFfn())
                out.addAll(AdapterMixture.params(mlpAdapter(layer), h, a));
        }
        return out;
    }

    /** LoRA on c_attn's query rows [0, n_embd): {@code h.N.attn.c_attn.lora_q}. */
    public static String loraQuery(int layer) {
        return block(layer, C_ATTN) + ".lora_q";
    }

    /** LoRA on c_attn's value rows [2·n_embd, 3·n_embd): {@code h.N.attn.c_attn.lora_v}. */
    public static String loraValue(int layer) {
        return block(layer, C_ATTN) + ".lora_v";
    }

    /** Houlsby's adapter on the attention output (after attn.c_proj, before the residual). */
    public static String attentionAdapter(int layer) {
        return block(layer, ATTN_C_PROJ) + ".adapter";
    }

    /** The adapter (mixture) on the MLP output, where the authors' GPT-2 ExpertSoup sits. */
    public static String mlpAdapter(int layer) {
        return block(layer, MLP_C_PROJ) + ".adapter";
    }

    @Override
    public INDArray value(String key) {
        INDArray v = values.get(key);
        if (v == null) throw new IllegalStateException("GPT-2 has no tensor '" + key + "'");
        return v;
    }

    @Override
    public INDArray gradient(String key) {
        return gradients.get(key);
    }

    public boolean trainable(String key) {
        return gradients.containsKey(key);
    }

    /** The flat vector of every trainable tensor (live: the views above read it). */
    public INDArray params() {
        return params;
    }

    /** The flat gradient vector, aligned with {@link #params()}. */
    public INDArray gradientVector() {
        return gradient;
    }

    public List<ParamSpec> specs() {
        return specs;
    }

    /** The trained tensors that decay (weights, never biases or LayerNorms). */
    public List<ParamSpec> decayed() {
        List<ParamSpec> out = new ArrayList<>();
        for (ParamSpec p : specs) if (p.trainable() && p.decay()) out.add(p);
        return out;
    }

    /** Every tensor by name (backbone and modules), as they are now. */
    public Map<String, INDArray> all() {
        return values;
    }

    /** A c-ordered view of elements [offset, offset + length) of the flat vector. */
    private static INDArray view(INDArray flat, long offset, long[] shape) {
        return Nd4j.create(
                flat.data(),
                shape,
                Nd4j.getStrides(shape, 'c'),
                flat.offset() + offset,
                'c',
                flat.dataType());
    }
}
