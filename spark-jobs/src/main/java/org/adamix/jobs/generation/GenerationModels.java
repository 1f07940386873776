package org.adamix.jobs.generation;

import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.adamix.model.checkpoint.Gpt2Backbone;
import org.adamix.model.decoder.Gpt2LmModel;

/**
 * Per-JVM caches on executors, as {@code spark/ExecutorModels} keeps them for the encoder: the
 * GPT-2 backbone rebuilt once from its broadcast, and models built once and reused by every round
 * (one per concurrent task: a model is not thread-safe).
 */
final class GenerationModels {
    private static final Map<String, Gpt2Backbone> BACKBONES = new ConcurrentHashMap<>();
    private static final Map<PoolKey, Queue<Gpt2LmModel>> POOLS = new ConcurrentHashMap<>();

    private record PoolKey(String backbone, GenerationSpec spec) {}

    private GenerationModels() {}

    /** In local mode the driver's JVM is the executor: it already holds the backbone. */
    static void register(String key, Gpt2Backbone b) {
        BACKBONES.putIfAbsent(key, b);
    }

    static Gpt2Backbone backbone(ShippedGpt2 shipped) {
        return BACKBONES.computeIfAbsent(shipped.key(), k -> shipped.toBackbone());
    }

    /** A model for this task; give it back with {@link #giveBack}. */
    static Gpt2LmModel borrow(ShippedGpt2 shipped, GenerationSpec spec) {
        Gpt2LmModel m =
                POOLS.computeIfAbsent(
                                new PoolKey(shipped.key(), spec),
                                k -> new ConcurrentLinkedQueue<>())
                        .poll();
        return m != null ? m : spec.build(backbone(shipped));
    }

    static void giveBack(ShippedGpt2 shipped, GenerationSpec spec, Gpt2LmModel m) {
        POOLS.get(new PoolKey(shipped.key(), spec)).add(m);
    }
}
