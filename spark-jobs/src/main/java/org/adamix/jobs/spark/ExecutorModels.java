package org.adamix.jobs.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.adamix.datasets.tokenize.Tokenizer;
import org.adamix.model.AdaMixModel;
import org.adamix.model.checkpoint.Backbone;
import org.adamix.model.ops.Threads;
import org.apache.spark.TaskContext;

/**
 * Per-JVM caches on executors: the backbone is rebuilt once from its broadcast (keyed by checksum),
 * and models are built once and reused for every round and task. A model is not thread-safe, so
 * concurrent tasks in one executor each borrow their own from a pool (so at most one model per task
 * slot).
 */
public final class ExecutorModels {
    private static final Map<String, Backbone> BACKBONES = new ConcurrentHashMap<>();
    private static final Map<String, Tokenizer> TOKENIZERS = new ConcurrentHashMap<>();
    private static final Map<PoolKey, Queue<AdaMixModel>> POOLS = new ConcurrentHashMap<>();
    private static final AtomicInteger MODELS_BUILT = new AtomicInteger();

    private record PoolKey(String backboneChecksum, ModelSpec spec) {}

    private ExecutorModels() {}

    /**
     * In local mode the driver's JVM is the executor: hand it the backbone the driver already
     * holds.
     */
    public static void register(Backbone b) {
        BACKBONES.putIfAbsent(b.checksum(), b);
    }

    public static Backbone backbone(ShippedBackbone shipped) {
        return BACKBONES.computeIfAbsent(shipped.checksum(), k -> shipped.toBackbone());
    }

    public static Tokenizer tokenizer(ShippedBackbone shipped) {
        return TOKENIZERS.computeIfAbsent(
                shipped.checksum(),
                k -> {
                    try {
                        return TokenizerFiles.load(shipped.tokenizerFiles());
                    } catch (IOException e) {
                        throw new UncheckedIOException(
                                "cannot rebuild the tokenizer of " + shipped.name(), e);
                    }
                });
    }

    /** A model for this task; give it back with {@link Lease#close()}. */
    public static Lease borrow(ShippedBackbone shipped, ModelSpec spec) {
        limitThreadsToTask();
        PoolKey key = new PoolKey(shipped.checksum(), spec);
        AdaMixModel m = POOLS.computeIfAbsent(key, k -> new ConcurrentLinkedQueue<>()).poll();
        if (m == null) {
            m = spec.build(backbone(shipped));
            MODELS_BUILT.incrementAndGet();
        }
        return new Lease(key, m);
    }

    /**
     * A model of its own for this task, not pooled: when every task has a different spec (compare's
     * runs), a pool would only keep models nobody borrows again.
     */
    public static AdaMixModel buildForTask(ShippedBackbone shipped, ModelSpec spec) {
        limitThreadsToTask();
        MODELS_BUILT.incrementAndGet();
        return spec.build(backbone(shipped));
    }

    public static int modelsBuilt() {
        return MODELS_BUILT.get();
    }

    /**
     * A task uses as many threads as it has cores, ND4J's and OpenBLAS's both: with only ND4J's
     * set, every task ran its GEMMs on all of the executor's cores ({@link Threads}).
     */
    static void limitThreadsToTask() {
        TaskContext tc = TaskContext.get();
        if (tc == null) return; // the driver keeps its own setting
        Threads.use(Math.max(1, tc.cpus()));
    }

    public static final class Lease implements AutoCloseable {
        private final PoolKey key;
        private final AdaMixModel model;

        private Lease(PoolKey key, AdaMixModel model) {
            this.key = key;
            this.model = model;
        }

        public AdaMixModel model() {
            return model;
        }

        @Override
        public void close() {
            POOLS.get(key).add(model);
        }
    }
}
