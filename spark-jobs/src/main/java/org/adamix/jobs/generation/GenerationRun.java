package org.adamix.jobs.generation;

import java.util.ArrayList;
import java.util.List;
import org.adamix.jobs.cli.GenerationOptions;
import org.adamix.jobs.spark.Sessions;
import org.adamix.jobs.spark.Weights;
import org.adamix.model.AdaptationConfig;
import org.adamix.model.Method;
import org.adamix.model.OptimizerConfig;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * Distributed generation: the backbone, the tokenizer and the trained weights broadcast once, the
 * prompts in contiguous partitions (so the output's part files keep the input order), {@link
 * Generator} on every partition.
 */
public final class GenerationRun {
    private final JavaSparkContext sc;
    private final Broadcast<ShippedGpt2> shipped;

    /** Null for the backbone alone. */
    private final Broadcast<Weights> weights;

    private final Broadcast<java.util.Map<String, byte[]>> tokenizer;
    private final Generator generator;
    private final int partitions;

    private GenerationRun(
            JavaSparkContext sc,
            Broadcast<ShippedGpt2> shipped,
            Broadcast<Weights> weights,
            Broadcast<java.util.Map<String, byte[]>> tokenizer,
            Generator generator,
            int partitions) {
        this.sc = sc;
        this.shipped = shipped;
        this.weights = weights;
        this.tokenizer = tokenizer;
        this.generator = generator;
        this.partitions = partitions;
    }

    /** {@code trained} null: the backbone alone. */
    public static GenerationRun of(
            Sessions s,
            GenerationBackbone bb,
            GenerationModelFolder trained,
            GenerationOptions o,
            int batchSize,
            Integer workers) {
        JavaSparkContext sc = s.sc();
        if (s.localMode()) GenerationModels.register(bb.key(), bb.backbone());
        GenerationSpec spec =
                trained != null
                        ? trained.spec()
                        : new GenerationSpec(
                                AdaptationConfig.of(Method.NONE, 0),
                                OptimizerConfig.adam(1e-3),
                                0,
                                0);
        Generator g =
                new Generator(
                        spec,
                        o.beamOptions(bb.endOfText()),
                        batchSize,
                        o.maxPromptTokens(bb),
                        bb.endOfText(),
                        o.rawPrompt);
        return new GenerationRun(
                sc,
                sc.broadcast(ShippedGpt2.of(bb.backbone(), bb.key())),
                trained == null ? null : sc.broadcast(trained.weights()),
                sc.broadcast(new java.util.LinkedHashMap<>(bb.tokenizerFiles())),
                g,
                workers != null ? workers : sc.defaultParallelism());
    }

    /** The generations, in prompt order (partition i holds the i-th contiguous slice). */
    public JavaRDD<Generated> generate(List<Prompt> prompts) {
        int n = Math.max(1, Math.min(partitions, prompts.size()));
        List<List<Prompt>> slices = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int from = (int) ((long) prompts.size() * i / n),
                    to = (int) ((long) prompts.size() * (i + 1) / n);
            slices.add(new ArrayList<>(prompts.subList(from, to)));
        }
        Generator g = generator;
        Broadcast<ShippedGpt2> b = shipped;
        Broadcast<Weights> w = weights;
        Broadcast<java.util.Map<String, byte[]>> t = tokenizer;
        return sc.parallelize(slices, n)
                .flatMap(List::iterator)
                .mapPartitions(
                        it ->
                                g.run(it, w == null ? null : w.value(), b.value(), t.value())
                                        .iterator(),
                        true);
    }
}
