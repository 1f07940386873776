package org.adamix.jobs.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.adamix.jobs.compare.ClassificationComparison;
import org.adamix.jobs.compare.CompareJob;
import org.adamix.jobs.data.DataPreview;
import org.adamix.jobs.data.ShardedData;
import org.adamix.jobs.generation.GenerationBackbone;
import org.adamix.jobs.generation.GenerationComparison;
import org.adamix.jobs.spark.HadoopConf;
import org.adamix.jobs.spark.JobInputException;
import org.adamix.jobs.spark.Sessions;
import org.adamix.jobs.train.TrainSetup;
import org.adamix.model.Method;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

/**
 * {@code adamix compare}: a method comparison as in a paper table. Options of its own name the
 * grid; every other option is a {@code train} option, parsed by a real {@link TrainCommand}, so new
 * train options are compare options too.
 */
@Command(
        name = "compare",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Trains every (method, seed, lr) of a grid, each as one run in one Spark task, and reports per method "
                    + "mean ± std over seeds of dev and test at the lr chosen on dev (each run's best epoch is chosen on dev too; "
                    + "scores are of the merged model).",
            "Every train option (--epochs, --batch-size, --rank, --experts, --format, --task, --max-length, --head, "
                    + "--seed = the first seed, ...) sets the base configuration.",
            "--task generation (GPT-2 backbone, source/target pairs): dev loss per target token chooses, the merged model's"
                    + " test BLEU (beam search: --beams, --length-penalty, --no-repeat-ngram, --max-new-tokens) is reported.",
            "Output: runs/ (one file per finished run; a rerun skips them), compare.json, compare.md, compare.png, then _SUCCESS."
        })
public final class CompareCommand implements Callable<Integer> {
    @Option(
            names = "--backbone",
            required = true,
            description = "Backbone folder (ONNX or Hugging Face) or .onnx file, any Hadoop URI.")
    String backbone;

    @Option(
            names = "--train",
            required = true,
            split = ",",
            description = "Training data: files, folders or globs (any Hadoop URI).")
    List<String> train;

    @Option(
            names = "--dev",
            required = true,
            split = ",",
            description = "Development data: chooses each run's epoch and each method's lr.")
    List<String> dev;

    @Option(
            names = "--test",
            split = ",",
            description = "Test data, scored at the chosen epoch and lr only.")
    List<String> test;

    @Option(
            names = "--methods",
            required = true,
            split = ",",
            description =
                    "Methods to compare: full, houlsby, pfeiffer, lora, adamix-adapter, adamix-lora.")
    List<String> methods;

    @Option(
            names = "--seeds",
            defaultValue = "3",
            description =
                    "Seeds per configuration: --seed, --seed + 1, ... (default ${DEFAULT-VALUE}).")
    int seeds;

    @Option(
            names = "--lr",
            split = ",",
            description =
                    "Peak learning rates to choose from on dev (default: each method's own, as train's --lr).")
    List<Double> lrs;

    @Option(
            names = "--output",
            required = true,
            description =
                    "Output folder, any Hadoop URI: new, empty, or this comparison's (it continues).")
    String output;

    @Option(
            names = "--lr-for",
            paramLabel = "METHOD=LR[,LR...]",
            description =
                    "Learning rates of one method's own, instead of --lr (repeatable), e.g."
                            + " --lr-for full=5e-5,2e-4: full fine-tuning needs far smaller ones"
                            + " than adapters.")
    List<String> lrFor;

    /** --task generation: how the merged models generate for the test sources (BLEU). */
    @picocli.CommandLine.Mixin GenerationOptions decoding = new GenerationOptions();

    @Unmatched List<String> trainOptions = new ArrayList<>();

    /** Train options that make no sense for a comparison, and why. */
    static final Map<String, String> NOT_FOR_COMPARE = new LinkedHashMap<>();

    static {
        NOT_FOR_COMPARE.put("--method", "compare trains every --methods entry");
        NOT_FOR_COMPARE.put("--workers", "each configuration trains in one Spark task");
        NOT_FOR_COMPARE.put("--local-steps", "each configuration trains in one Spark task");
        NOT_FOR_COMPARE.put("--resume", "compare always continues its own output");
        NOT_FOR_COMPARE.put("--max-rounds", "compare has no rounds");
        NOT_FOR_COMPARE.put(
                "--checkpoint-every", "compare keeps each finished run, not checkpoints");
        NOT_FOR_COMPARE.put(
                "--keep-checkpoints", "compare keeps each finished run, not checkpoints");
    }

    private CompareJob.Result result;

    /** The last comparison's result (tests). */
    public CompareJob.Result result() {
        return result;
    }

    @Override
    public Integer call() {
        return Failures.run(
                "compare",
                System.err,
                () -> {
                    List<String> ms = methods();
                    if (seeds < 1)
                        throw new JobInputException("--seeds must be >= 1, got " + seeds);
                    if (lrs != null) {
                        if (lrs.isEmpty()) throw new JobInputException("--lr is empty");
                        for (double lr : lrs) checkLr(lr, "--lr must be > 0, got " + lr);
                    }
                    TrainCommand base = baseConfiguration(ms.get(0));
                    List<Double> lrList =
                            lrs != null ? List.copyOf(new LinkedHashSet<>(lrs)) : List.<Double>of();
                    Map<String, List<Double>> ownLrs = lrFor(ms);
                    if (lrs == null) // no --lr: each method at its own default
                    for (String m : ms) ownLrs.putIfAbsent(m, List.of(Method.of(m).defaultLr()));
                    List<Long> seedList = new ArrayList<>();
                    for (int i = 0; i < seeds; i++) seedList.add(base.seed + i);
                    Configuration conf = HadoopConf.driver();
                    if (base.data.generation()) {
                        var backbone = GenerationBackbone.open(base.backbone, conf);
                        List<String> testFiles = test == null ? List.of() : test;
                        Path out = new Path(output);
                        return run(
                                new CompareJob(
                                        new GenerationComparison(
                                                base, backbone, decoding, ms, testFiles, conf),
                                        out.getFileSystem(conf).makeQualified(out),
                                        conf,
                                        ms,
                                        seedList,
                                        lrList,
                                        ownLrs),
                                base);
                    }
                    try (TrainSetup setup = TrainSetup.prepareInputs(base, conf)) {
                        for (String m : ms) TrainSetup.adaptation(base, m);
                        List<String> testFiles = List.of();
                        if (test != null) {
                            testFiles = ShardedData.listFiles(setup.dataSpec(), conf, test);
                            DataPreview.check(
                                    setup.dataSpec(),
                                    conf,
                                    testFiles,
                                    setup.backbone().tokenizer(),
                                    base.maxLength,
                                    200);
                        }
                        return run(
                                new CompareJob(
                                        new ClassificationComparison(setup, ms, testFiles),
                                        setup.output(),
                                        setup.conf(),
                                        ms,
                                        seedList,
                                        lrList,
                                        ownLrs),
                                base);
                    }
                });
    }

    /** Checks the output, then a dry run's description or the comparison itself. */
    private int run(CompareJob job, TrainCommand base) throws java.io.IOException {
        job.checkOutput();
        if (base.dryRun) {
            System.out.println(job.describe());
            System.out.println("dry run: everything checked, nothing trained, nothing written");
            return 0;
        }
        try (Sessions session = Sessions.open(base.master, "adamix compare")) {
            result = job.run(session);
        }
        System.out.println(result.summaryLine());
        return 0;
    }

    /** --lr-for entries by method: each METHOD=LR[,LR...], a method of --methods, once. */
    private Map<String, List<Double>> lrFor(List<String> methods) {
        Map<String, List<Double>> out = new LinkedHashMap<>();
        if (lrFor == null) return out;
        for (String entry : lrFor) {
            int eq = entry.indexOf('=');
            String method = eq < 0 ? "" : entry.substring(0, eq).trim();
            if (method.isEmpty() || eq == entry.length() - 1)
                throw new JobInputException(
                        "--lr-for: expected METHOD=LR[,LR...], got '" + entry + "'");
            if (!methods.contains(method))
                throw new JobInputException(
                        "--lr-for: " + method + " is not one of --methods " + methods);
            if (out.containsKey(method))
                throw new JobInputException("--lr-for: " + method + " is given twice");
            List<Double> lrs = new ArrayList<>();
            for (String v : entry.substring(eq + 1).split(",")) {
                double lr;
                try {
                    lr = Double.parseDouble(v.trim());
                } catch (NumberFormatException e) {
                    throw new JobInputException(
                            "--lr-for: '" + v.trim() + "' is not a number in '" + entry + "'");
                }
                checkLr(lr, "--lr-for: lr must be > 0, got " + v.trim() + " in '" + entry + "'");
                if (!lrs.contains(lr)) lrs.add(lr);
            }
            out.put(method, lrs);
        }
        return out;
    }

    /** A peak learning rate must be a positive finite number; {@code message} names the option. */
    private static void checkLr(double lr, String message) {
        if (!(lr > 0) || !Double.isFinite(lr)) throw new JobInputException(message);
    }

    /** --methods without blanks and duplicates, each a known method that trains something. */
    private List<String> methods() {
        List<String> ms =
                new ArrayList<>(
                        new LinkedHashSet<>(
                                methods.stream()
                                        .map(String::trim)
                                        .filter(m -> !m.isEmpty())
                                        .toList()));
        if (ms.isEmpty())
            throw new JobInputException(
                    "--methods is empty: name at least one of full, houlsby, pfeiffer, lora, adamix-adapter, adamix-lora");
        for (String m : ms) {
            try {
                if (Method.of(m) == Method.NONE)
                    throw new JobInputException("--methods: none trains nothing");
            } catch (IllegalArgumentException e) {
                throw new JobInputException("--methods: " + e.getMessage());
            }
        }
        return ms;
    }

    /**
     * The train options (ours that train shares, then the unmatched ones) parsed into a real
     * TrainCommand.
     */
    private TrainCommand baseConfiguration(String firstMethod) {
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "--backbone",
                                backbone,
                                "--train",
                                String.join(",", train),
                                "--dev",
                                String.join(",", dev),
                                "--output",
                                output));
        if (lrs != null) args.addAll(List.of("--lr", Double.toString(lrs.get(0))));
        args.addAll(trainOptions);
        TrainCommand base = new TrainCommand();
        CommandLine.ParseResult parsed;
        try {
            parsed = new CommandLine(base).parseArgs(args.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            throw new JobInputException(e.getMessage(), e);
        }
        for (Map.Entry<String, String> e : NOT_FOR_COMPARE.entrySet())
            if (parsed.hasMatchedOption(e.getKey()))
                throw new JobInputException(
                        e.getKey() + " is not a compare option: " + e.getValue());
        if (parsed.isUsageHelpRequested() || parsed.isVersionHelpRequested())
            throw new JobInputException("--help: run adamix compare --help or adamix train --help");
        base.method = firstMethod;
        return base;
    }
}
