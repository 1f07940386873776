package org.adamix.jobs.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.adamix.jobs.spark.Sessions;
import org.adamix.jobs.train.TrainJob;
import org.adamix.jobs.train.TrainSetup;
import org.adamix.model.Method;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code adamix train}: data-parallel AdaMix training with per-round weight averaging on Spark. */
@Command(
        name = "train",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Fine-tunes a frozen BERT-family backbone with AdaMix (or a baseline method) on Spark.",
            "Each round every worker trains --local-steps steps on its shard from the broadcast weights; the",
            "driver averages the workers' trainable weights and Adam state, weighted by examples.",
            "Output: mixture/ checkpoints/ metrics.jsonl curves.png labels.json summary.json, then _SUCCESS."
        })
public final class TrainCommand implements Callable<Integer> {
    @Option(
            names = "--backbone",
            required = true,
            description = "Backbone folder (ONNX or Hugging Face) or .onnx file, any Hadoop URI.")
    public String backbone;

    @Option(
            names = "--train",
            required = true,
            split = ",",
            description = "Training data: files, folders or globs (any Hadoop URI).")
    public List<String> train;

    @Option(
            names = "--dev",
            split = ",",
            description = "Development data, evaluated after every epoch.")
    public List<String> dev;

    @Mixin public DataOptions data = new DataOptions();

    @Option(
            names = "--method",
            defaultValue = "adamix-adapter",
            description = {
                "full, houlsby, pfeiffer, lora, adamix-adapter, adamix-lora (default ${DEFAULT-VALUE}), or none: only the",
                "task head is trained on the frozen encoder (a linear probe; not with --task generation)."
            })
    public String method;

    /** --lr, or the method's default ({@link Method#defaultLr}). */
    public double lr() {
        return lr != null ? lr : Method.of(method).defaultLr();
    }

    @Option(
            names = "--experts",
            defaultValue = "4",
            description = "Experts M per AdaMix module (default ${DEFAULT-VALUE}).")
    public int experts;

    @Option(
            names = "--rank",
            defaultValue = "16",
            description = "Adapter bottleneck / LoRA rank r (default ${DEFAULT-VALUE}).")
    public int rank;

    @Option(
            names = "--share",
            defaultValue = "up",
            description =
                    "Projection shared by all experts: up, down or none (default ${DEFAULT-VALUE}).")
    public String share;

    @Option(
            names = "--consistency-weight",
            defaultValue = "1.0",
            description = "Weight of AdaMix's consistency loss (default ${DEFAULT-VALUE}).")
    public double consistencyWeight;

    @Option(
            names = "--consistency",
            defaultValue = "authors",
            description = {
                "Objective of the two routed views: authors = cross-entropy on the first view + w·½[KL(sg q‖p) + KL(sg p‖q)]",
                "(the authors' code; no consistency term for regression), symmetric-ce = ½ CE of both views +",
                "w·½[KL(p‖sg q) + KL(q‖sg p)] (and w·(ŷ1−ŷ2)² for regression), this project's first variant (default ${DEFAULT-VALUE})."
            })
    public String consistency;

    @Option(
            names = "--head",
            defaultValue = "mean",
            description = {
                "Sequence vector for the task head: mean = masked mean of the final hidden states, cls = the first token,",
                "pooler = first token through the backbone's pre-trained pooler, frozen as the authors keep BERT's (a new",
                "trained dense+tanh, RoBERTa's head, when the backbone has none). Default ${DEFAULT-VALUE}: measured best on",
                "MiniLM and bge-small (sentence-embedding backbones are trained for mean pooling; see README)."
            })
    public String head;

    @Option(
            names = "--lora-alpha",
            description =
                    "LoRA scale numerator: updates are scaled by alpha/r (default: r, i.e. scale 1; the authors' GPT-2 runs use 32 with r = 4).")
    public Double loraAlpha;

    @Option(
            names = "--lora-dropout",
            defaultValue = "0.0",
            description =
                    "Dropout on the LoRA branch's input (default ${DEFAULT-VALUE}; the authors' GPT-2 runs use 0.1).")
    public double loraDropout;

    @Option(
            names = "--expert-init",
            defaultValue = "auto",
            description =
                    "How a mixture's experts start: copies (one draw copied to all M: the authors' NLG code),"
                            + " independent (a draw each: their NLU code, where Hugging Face's init_weights re-draws every"
                            + " expert), or auto (default): independent for classification and regression, copies for"
                            + " --task generation.")
    public String expertInit;

    @Option(
            names = "--label-smoothing",
            defaultValue = "0.1",
            description =
                    "--task generation: label smoothing of the LM loss (default ${DEFAULT-VALUE}, the authors' E2E setting).")
    public double labelSmoothing;

    @Option(
            names = "--epochs",
            defaultValue = "3",
            description = "Epochs (default ${DEFAULT-VALUE}).")
    public int epochs;

    @Option(
            names = "--batch-size",
            defaultValue = "16",
            description = "Examples per step per worker (default ${DEFAULT-VALUE}).")
    public int batchSize;

    @Option(
            names = "--lr",
            description = {
                "Peak learning rate (default by method: 1e-2 adapters, 2e-3 LoRA, 1e-4 full; measured to",
                "learn on 1-2k-row sets in 2-3 epochs, see README; the paper's 3e-4/4e-4 assume 20-40 epochs)."
            })
    public Double lr;

    @Option(
            names = "--warmup",
            defaultValue = "0.06",
            description = "Warm-up fraction of all steps (default ${DEFAULT-VALUE}).")
    public double warmup;

    @Option(
            names = "--weight-decay",
            defaultValue = "0.1",
            description =
                    "Decoupled weight decay, not on biases or LayerNorms (default ${DEFAULT-VALUE}).")
    public double weightDecay;

    @Option(
            names = "--max-grad-norm",
            defaultValue = "1.0",
            description =
                    "Clip each step's gradient to this global L2 norm, 0 = off (default ${DEFAULT-VALUE}, as the authors' Trainer).")
    public double maxGradNorm;

    @Option(
            names = "--select-by",
            defaultValue = "auto",
            description = {
                "Dev metric that picks the round whose weights become mixture/ (and so the merged model): accuracy, f1, mcc,",
                "pearson, spearman, loss, or last (no selection). auto = accuracy for classification, pearson for",
                "regression, last without --dev. The authors keep the best dev epoch (default ${DEFAULT-VALUE})."
            })
    public String selectBy;

    @Option(
            names = "--local-steps",
            defaultValue = "8",
            description =
                    "Steps K each worker trains between averaging rounds (default ${DEFAULT-VALUE}).")
    public int localSteps;

    @Option(
            names = "--workers",
            description = "Workers N = data partitions (default: Spark's default parallelism).")
    public Integer workers;

    @Option(
            names = "--seed",
            defaultValue = "42",
            description =
                    "Seed of initialisation, sharding, order, routing (default ${DEFAULT-VALUE}).")
    public long seed;

    @Option(
            names = "--group-by-length",
            description =
                    "Batch examples of similar length together (within windows of 50 "
                            + "batches, batch order shuffled): batches are padded to their longest, so short texts of varying length train faster.")
    public boolean groupByLength;

    @Option(
            names = "--recompute",
            description =
                    "Activation recomputation (gradient checkpointing): each Transformer layer keeps only its output and runs its "
                            + "forward pass again before its backward pass. About one more forward pass per step (measured: see the README's "
                            + "memory table) for memory that no longer grows with the number of layers; results are bit for bit the same.")
    public boolean recompute;

    @Option(
            names = "--max-length",
            defaultValue = "128",
            description = "Tokens per example after truncation (default ${DEFAULT-VALUE}).")
    public int maxLength;

    @Option(
            names = "--output",
            required = true,
            description = "Output folder, any Hadoop URI; must be new or empty unless --resume.")
    public String output;

    @Option(
            names = "--resume",
            description = "Continue the run in --output from its last complete checkpoint.")
    public boolean resume;

    @Option(
            names = "--break-lock",
            description =
                    "Take over --output even though its _LOCK names another job (only when that job is dead).")
    public boolean breakLock;

    @Option(
            names = "--run-id",
            description =
                    "Scheduler's id of this attempt, written into summary.json (\"run_id\"): a sensor can tell this run's files from stale ones.")
    public String runId;

    @Option(
            names = "--checkpoint-every",
            defaultValue = "1",
            description = "Rounds between checkpoints (default ${DEFAULT-VALUE}).")
    public int checkpointEvery;

    @Option(
            names = "--keep-checkpoints",
            defaultValue = "2",
            description = "Checkpoints kept (default ${DEFAULT-VALUE}).")
    public int keepCheckpoints;

    @Option(
            names = "--max-rounds",
            description =
                    "Stop (without _SUCCESS) after this many rounds in total; --resume continues.")
    public Integer maxRounds;

    @Option(
            names = "--master",
            description = "Spark master (default: spark-submit's, else local[*]).")
    public String master;

    @Option(
            names = "--dry-run",
            description =
                    "Validate backbone, data and options, print the plan, exit without training.")
    public boolean dryRun;

    private TrainJob.Result result;
    private org.adamix.jobs.generation.GenerationTrainJob.Result generationResult;

    /** The last generation run's result (tests). */
    public org.adamix.jobs.generation.GenerationTrainJob.Result generationResult() {
        return generationResult;
    }

    /** --task generation: a GPT-2 backbone trained on source → target pairs. */
    private int trainGeneration() throws java.io.IOException {
        org.adamix.jobs.generation.GenerationTrainJob.checkOptions(this);
        var conf = org.adamix.jobs.spark.HadoopConf.driver();
        var backboneFolder = org.adamix.jobs.generation.GenerationBackbone.open(backbone, conf);
        if (dryRun) {
            System.out.println(
                    "generation: GPT-2 "
                            + backboneFolder.backbone().config()
                            + ", method "
                            + method
                            + "; dry run: nothing trained, nothing written");
            return 0;
        }
        var job = new org.adamix.jobs.generation.GenerationTrainJob(this, backboneFolder, conf);
        try (Sessions session = Sessions.open(master, "adamix train --task generation")) {
            generationResult = job.run(session);
        }
        System.out.printf(
                "done: dev loss %.4f (epoch %d), %.1f examples/s, output %s%n",
                generationResult.devLoss(),
                generationResult.bestEpoch(),
                generationResult.examplesPerSecond(),
                generationResult.output());
        return 0;
    }

    /** The last run's result (tests, benchmarks). */
    public TrainJob.Result result() {
        return result;
    }

    @Override
    public Integer call() {
        return Failures.run(
                "train",
                System.err,
                () -> {
                    if (data.generation()) return trainGeneration();
                    try (TrainSetup setup = TrainSetup.prepare(this)) {
                        if (dryRun) {
                            System.out.println(setup.describe());
                            System.out.println(
                                    "dry run: everything checked, nothing trained, nothing written");
                            return 0;
                        }
                        try (Sessions session = Sessions.open(master, "adamix train")) {
                            result = new TrainJob(setup, session).run();
                        }
                        System.out.println(result.summaryLine());
                        return 0;
                    }
                });
    }
}
