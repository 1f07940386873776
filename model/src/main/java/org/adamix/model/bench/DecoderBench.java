package org.adamix.model.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.adamix.model.AdaptationConfig;
import org.adamix.model.Method;
import org.adamix.model.OptimizerConfig;
import org.adamix.model.checkpoint.Gpt2Backbone;
import org.adamix.model.decoder.Gpt2Config;
import org.adamix.model.decoder.Gpt2Decoder;
import org.adamix.model.decoder.Gpt2LmModel;
import org.adamix.model.decoder.LmBatch;
import org.adamix.model.layers.SpecParamInitializer;
import org.adamix.model.names.Gpt2TensorNames;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The decoder's throughput, the same shapes and steps as {@code experiments/gpt2_bench.py}
 * (PyTorch): training steps of a frozen random GPT-2 with LoRA or AdaMix-LoRA on c_attn's query and
 * value (r = 4, α = 32, LoRA dropout 0.1; AdaMix: M = 8, B shared, two routed passes and the
 * consistency term; label smoothing 0.1; loss on the second half of every row), and greedy
 * generation with the KV cache. Prints one {@code BENCH} line per measurement: median seconds per
 * step, tokens per second.
 */
@Command(
        name = "decoder-bench",
        mixinStandardHelpOptions = true,
        description =
                "GPT-2 training and KV-cache generation throughput (see experiments/gpt2_bench.py).")
public final class DecoderBench implements Callable<Integer> {
    @Option(
            names = "--preset",
            defaultValue = "e2e-small",
            description =
                    "e2e-small (the E2E experiment's model: vocab 1230, 4 × 128) or gpt2 (124M).")
    String preset;

    @Option(names = "--methods", defaultValue = "lora,adamix-lora", split = ",")
    List<String> methods;

    @Option(names = "--batch", defaultValue = "8")
    int batch;

    @Option(names = "--seq", defaultValue = "64")
    int seq;

    @Option(names = "--steps", defaultValue = "10")
    int steps;

    @Option(names = "--warmup", defaultValue = "3")
    int warmup;

    @Option(names = "--new-tokens", defaultValue = "32")
    int newTokens;

    public static void main(String[] args) {
        System.exit(new CommandLine(new DecoderBench()).execute(args));
    }

    static Gpt2Config config(String preset) {
        return switch (preset) {
            case "e2e-small" -> new Gpt2Config(1230, 160, 128, 4, 4, 512, 1e-5);
            case "gpt2" -> new Gpt2Config(50257, 1024, 768, 12, 12, 3072, 1e-5);
            default -> throw new IllegalArgumentException("--preset e2e-small or gpt2: " + preset);
        };
    }

    @Override
    public Integer call() {
        Gpt2Config c = config(preset);
        Gpt2Backbone backbone = randomBackbone(c, 1);
        LmBatch data = batch(c);
        for (String m : methods) {
            Method method = Method.of(m);
            AdaptationConfig a =
                    AdaptationConfig.of(method, 4)
                            .withExperts(8)
                            .withConsistencyWeight(100)
                            .withLoraAlpha(32)
                            .withLoraDropout(method.lora() ? 0.1 : 0);
            Gpt2LmModel model =
                    Gpt2LmModel.build(
                            backbone,
                            a,
                            new OptimizerConfig(2e-4, 0.01, 0, 1 << 20, 0.9, 0.999, 1e-8, 0),
                            0.1,
                            1,
                            DataType.FLOAT);
            double[] t = new double[steps];
            for (int s = 0; s < warmup + steps; s++) {
                long t0 = System.nanoTime();
                model.fit(data);
                if (s >= warmup) t[s - warmup] = (System.nanoTime() - t0) / 1e9;
            }
            double sec = Bench.median(t);
            System.out.printf(
                    "BENCH decoder-train preset=%s method=%s batch=%d seq=%d s/step=%.4f tokens/s=%.0f%n",
                    preset, m, batch, seq, sec, batch * seq / sec);
        }
        // generation: the backbone alone (a merged model costs the same), greedy, KV cache
        Gpt2Decoder decoder = new Gpt2Decoder(backbone, DataType.FLOAT);
        int[][] prompts = new int[batch][seq / 2];
        SplittableRandom r = new SplittableRandom(3);
        for (int[] p : prompts) for (int i = 0; i < p.length; i++) p[i] = r.nextInt(c.vocabSize());
        double[] t = new double[steps];
        for (int s = 0; s < warmup + steps; s++) {
            long t0 = System.nanoTime();
            decoder.generate(prompts, newTokens, -1);
            if (s >= warmup) t[s - warmup] = (System.nanoTime() - t0) / 1e9;
        }
        double sec = Bench.median(t);
        System.out.printf(
                "BENCH decoder-generate preset=%s batch=%d prompt=%d new=%d s=%.4f new-tokens/s=%.0f%n",
                preset, batch, seq / 2, newTokens, sec, batch * newTokens / sec);
        return 0;
    }

    /** Rows of seq tokens: the first half the prompt, the second half the completion. */
    private LmBatch batch(Gpt2Config c) {
        SplittableRandom r = new SplittableRandom(2);
        List<int[]> p = new ArrayList<>(), q = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            int[] prompt = new int[seq / 2], completion = new int[seq - seq / 2];
            for (int i = 0; i < prompt.length; i++) prompt[i] = r.nextInt(c.vocabSize());
            for (int i = 0; i < completion.length; i++) completion[i] = r.nextInt(c.vocabSize());
            p.add(prompt);
            q.add(completion);
        }
        return LmBatch.of(p, q);
    }

    /** GPT-2's initialisation: weights N(0, 0.02), LayerNorms 1 and 0, biases 0. */
    public static Gpt2Backbone randomBackbone(Gpt2Config config, long seed) {
        Map<String, INDArray> t = new TreeMap<>();
        SplittableRandom r = new SplittableRandom(seed);
        for (Map.Entry<String, long[]> e : Gpt2TensorNames.required(config).entrySet()) {
            String name = e.getKey();
            INDArray a = Nd4j.create(DataType.FLOAT, e.getValue());
            if (name.contains("ln_") && name.endsWith(".weight")) a.assign(1);
            else if (name.endsWith(".weight")) {
                float[] v = new float[(int) a.length()];
                for (int k = 0; k < v.length; k++)
                    v[k] = (float) (0.02 * SpecParamInitializer.gaussian(r));
                a.assign(Nd4j.createFromArray(v).reshape(e.getValue()));
            }
            t.put(name, a);
        }
        return new Gpt2Backbone(config, t, "random-" + seed);
    }
}
