package org.adamix.jobs.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import org.adamix.datasets.DatasetReader;
import org.adamix.jobs.cli.Failures;
import org.adamix.jobs.cli.TrainCommand;
import org.adamix.jobs.data.BatchMaker;
import org.adamix.jobs.data.ExampleEncoder;
import org.adamix.jobs.data.TokenizedExample;
import org.adamix.jobs.spark.JobInputException;
import org.adamix.jobs.train.MetricsLog;
import org.adamix.jobs.train.Traffic;
import org.adamix.jobs.train.TrainJob;
import org.adamix.jobs.train.TrainSetup;
import org.adamix.model.AdaMixModel;
import org.adamix.model.Batch;
import org.adamix.model.ops.Threads;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

/**
 * Not a test: the Spark job's training throughput (local[N], N = --workers, one core per task)
 * against the in-process loop on the same N cores ({@code AdaMixModel.fit} of one model with ND4J
 * on N threads), with the same model, options and data, and the bytes each round moves. Every
 * option it does not know goes to train unchanged, so the job measured is the job a user runs.
 *
 * <p>The in-process loop runs first (unmeasured: a quarter of the rows on one thread, as the job's
 * tasks run, and a pass on N threads; then a measured pass over the same rows on N threads); the
 * job then runs in the same, warmed JVM, and its rate is given over all rounds and without the
 * first (Spark's own start: the first broadcast, task serialisation, the models built).
 */
@Command(
        name = "spark-bench",
        mixinStandardHelpOptions = true,
        description =
                "The Spark job on local[N] against the in-process loop on the same cores, model and data. "
                        + "Options it does not know (e.g. --max-length 128 --batch-size 16) are passed to train.")
public final class SparkBench implements Callable<Integer> {
    @Option(names = "--backbone", required = true)
    String backbone;

    @Option(names = "--train", required = true, description = "JSON Lines text/label data.")
    String train;

    @Option(names = "--rows", defaultValue = "256", description = "First rows of --train used.")
    int rows;

    @Option(
            names = "--workers",
            defaultValue = "2",
            description = "N: Spark's local[N] and workers; the loop's threads.")
    int workers;

    @Option(names = "--epochs", defaultValue = "2", description = "Epochs of the job.")
    int epochs;

    @Option(
            names = "--length-control",
            description =
                    "Instead of the job: the loop on the data's own batches (each padded to its longest) against the "
                            + "same batches cut or repeated to one fixed length, their mean, in turns; padded tokens/s.")
    boolean lengthControl;

    @Option(
            names = "--turns",
            defaultValue = "3",
            description = "Measured turns of --length-control (default ${DEFAULT-VALUE}).")
    int turns;

    @Unmatched List<String> trainOptions = new ArrayList<>();

    public static void main(String[] args) {
        org.adamix.jobs.AdaMix.end(new CommandLine(new SparkBench()).execute(args));
    }

    @Override
    public Integer call() {
        return Failures.run("spark-bench", System.err, this::run);
    }

    private int run() throws Exception {
        Path dir = Files.createTempDirectory("adamix-bench-");
        Path data = dir.resolve("train.jsonl");
        try (var r = Files.newBufferedReader(Path.of(train))) {
            List<String> lines = new ArrayList<>();
            for (String l; lines.size() < rows && (l = r.readLine()) != null; ) lines.add(l);
            Files.write(data, lines);
        }
        List<String> args =
                new ArrayList<>(List.of("--backbone", backbone, "--train", data.toString()));
        args.addAll(
                List.of(
                        "--workers", "" + workers,
                        "--epochs", "" + epochs,
                        "--master", "local[" + workers + "]",
                        "--output", dir.resolve("run").toString()));
        args.addAll(trainOptions);
        String[] argv = args.toArray(String[]::new);

        TrainCommand options = new TrainCommand();
        new CommandLine(options).parseArgs(argv);
        if (lengthControl) {
            if (turns < 1) throw new JobInputException("--turns " + turns + ": at least 1");
            lengthControl(options);
            return 0;
        }
        double[] inProcess = inProcessLoop(options);

        TrainCommand job = new TrainCommand();
        int code = new CommandLine(job).execute(argv);
        if (code != 0) return code;
        TrainJob.Result r = job.result();
        List<JsonNode> rounds = new ArrayList<>();
        rounds.addAll(
                MetricsLog.parse(Files.readString(dir.resolve("run").resolve("metrics.jsonl")))
                        .rows());
        double[] all = rate(rounds, 0), later = rate(rounds, 1);
        System.out.printf("%n%-46s %12s %12s%n", "", "examples/s", "vs loop");
        System.out.printf(
                "%-46s %12.1f %12s%n",
                "in-process loop (" + workers + " threads, batch " + options.batchSize + ")",
                inProcess[0],
                "1.00");
        System.out.printf(
                "%-46s %12.1f %12.2f%n",
                "spark local[" + workers + "], all " + rounds.size() + " rounds",
                all[0],
                all[0] / inProcess[0]);
        System.out.printf(
                "%-46s %12.1f %12.2f%n",
                "spark local[" + workers + "], rounds 2-" + rounds.size(),
                later[0],
                later[0] / inProcess[0]);
        System.out.printf(
                "%nrounds 2-%d: the slowest worker's task took %.0f %% of the round's time; the rest is Spark's "
                        + "(broadcast, scheduling, the tree's shuffle, the driver's average)%n",
                rounds.size(), 100 * later[1]);
        System.out.printf(
                "SPARKBENCH loop_ex_per_s=%.2f spark_ex_per_s=%.2f spark_after_first_ex_per_s=%.2f ratio=%.3f"
                        + " ratio_after_first=%.3f worker_share=%.3f rounds=%d%n",
                inProcess[0],
                all[0],
                later[0],
                all[0] / inProcess[0],
                later[0] / inProcess[0],
                later[1],
                rounds.size());
        Traffic t = r.traffic().get(r.traffic().size() - 1);
        System.out.printf(
                "%nbytes per round (Spark's count): driver broadcast %,d, driver received %,d, shuffle %,d; "
                        + "full-parameter averaging would move %,d%n",
                t.measured().broadcastBytes(),
                t.measured().resultBytes(),
                t.measured().shuffleReadBytes(),
                2 * t.fullParameter());
        return 0;
    }

    /**
     * Over rounds {@code from}..last of metrics.jsonl: {examples per second, the share of the
     * rounds' time the slowest worker spent in its own task}.
     */
    private static double[] rate(List<JsonNode> rounds, int from) {
        double examples = 0, seconds = 0, worker = 0;
        for (JsonNode n : rounds.subList(Math.min(from, rounds.size() - 1), rounds.size())) {
            examples += n.get("examples").asDouble();
            seconds += n.get("seconds").asDouble();
            worker += n.get("worker_seconds_max").asDouble();
        }
        return new double[] {examples / seconds, worker / seconds};
    }

    /**
     * The job's model (the same spec its driver builds) fitted on the same rows in batches of the
     * job's batch size: unmeasured passes for the JIT (a quarter of the rows on one thread, then
     * all on N threads), one measured on N threads. Returns {ex/s}.
     */
    private double[] inProcessLoop(TrainCommand c) throws Exception {
        try (TrainSetup setup = TrainSetup.prepare(c)) {
            List<List<TokenizedExample>> batches = batches(setup, c);
            List<Batch> built = new ArrayList<>();
            for (List<TokenizedExample> b : batches)
                built.add(BatchMaker.of(b, setup.head(), true));
            // the schedule spans every pass: a quarter, the warm-up pass and the measured one
            AdaMixModel m = model(setup, c, 3L * built.size());
            int threads = Threads.blas();
            try {
                // JIT warm-up of both thread counts: the job's tasks run one thread each, and
                // kernels compiled after a 2-thread-only profile deoptimise on their first 1-thread
                // call
                Threads.use(1);
                fitAll(m, built.subList(0, Math.max(1, built.size() / 4)));
                Threads.use(workers);
                fitAll(m, built);
                return new double[] {batches.size() * c.batchSize / fitAll(m, built)};
            } finally {
                Threads.use(threads);
            }
        }
    }

    /**
     * Real short texts against fixed lengths, on the loop's N threads: the data's own batches (each
     * padded to its longest, as the job makes them) and the same examples at one length, the mean
     * of those batches' lengths, so both compute about the same padded tokens. One unmeasured pass
     * of each, then {@code turns} measured turns of both; padded tokens per second.
     */
    private void lengthControl(TrainCommand c) throws Exception {
        try (TrainSetup setup = TrainSetup.prepare(c)) {
            List<List<TokenizedExample>> batches = batches(setup, c);
            if (batches.isEmpty())
                throw new JobInputException(
                        "--train "
                                + train
                                + ": fewer than one batch of "
                                + c.batchSize
                                + " rows in its first "
                                + rows);
            List<Batch> own = new ArrayList<>(), fixed = new ArrayList<>();
            long ownTokens = 0;
            for (List<TokenizedExample> b : batches) {
                Batch batch = BatchMaker.of(b, setup.head(), true);
                own.add(batch);
                ownTokens += batch.mask().length();
            }
            int length = (int) Math.round((double) ownTokens / (batches.size() * c.batchSize));
            for (List<TokenizedExample> b : batches)
                fixed.add(BatchMaker.of(atLength(b, length), setup.head(), true));
            long fixedTokens = (long) batches.size() * c.batchSize * length;
            AdaMixModel m = model(setup, c, 2L * (turns + 1) * batches.size());
            int threads = Threads.blas();
            Threads.use(workers);
            try {
                fitAll(m, own);
                fitAll(m, fixed);
                System.out.printf(
                        "%n%d batches of %d; own lengths: %.1f padded tokens per example; fixed: %d%n",
                        batches.size(),
                        c.batchSize,
                        (double) ownTokens / (batches.size() * c.batchSize),
                        length);
                System.out.printf(
                        "%-6s %16s %16s %10s%n", "turn", "own tokens/s", "fixed tokens/s", "ratio");
                double[] ratios = new double[turns];
                for (int t = 0; t < turns; t++) {
                    double a = ownTokens / fitAll(m, own), b = fixedTokens / fitAll(m, fixed);
                    ratios[t] = a / b;
                    System.out.printf("%-6d %16.0f %16.0f %10.3f%n", t + 1, a, b, ratios[t]);
                }
                double[] sorted = ratios.clone();
                Arrays.sort(sorted);
                System.out.printf(
                        "LENGTHS batches=%d mean_length=%.2f fixed_length=%d median_ratio=%.3f ratios=%s%n",
                        batches.size(),
                        (double) ownTokens / (batches.size() * c.batchSize),
                        length,
                        sorted[turns / 2],
                        String.join(
                                ",",
                                Arrays.stream(ratios)
                                        .mapToObj(x -> String.format("%.3f", x))
                                        .toList()));
            } finally {
                Threads.use(threads);
            }
        }
    }

    /** Each example's ids and segments cut or repeated (cyclically) to exactly {@code length}. */
    public static List<TokenizedExample> atLength(List<TokenizedExample> batch, int length) {
        List<TokenizedExample> out = new ArrayList<>();
        for (TokenizedExample e : batch) {
            int[] ids = new int[length], types = new int[length];
            for (int i = 0; i < length; i++) {
                ids[i] = e.ids()[i % e.ids().length];
                types[i] = e.typeIds()[i % e.typeIds().length];
            }
            out.add(new TokenizedExample(e.id(), ids, types, e.label()));
        }
        return out;
    }

    /** --train's rows, encoded as the job encodes them, shuffled, in whole batches. */
    private static List<List<TokenizedExample>> batches(TrainSetup setup, TrainCommand c)
            throws Exception {
        ExampleEncoder enc = new ExampleEncoder(setup.backbone().tokenizer(), c.maxLength);
        List<TokenizedExample> all = new ArrayList<>();
        try (DatasetReader r =
                DatasetReader.open(setup.dataSpec(), setup.conf(), setup.trainFiles())) {
            while (r.hasNext()) all.add(enc.encode(r.next()));
        }
        Collections.shuffle(all, new Random(c.seed));
        List<List<TokenizedExample>> batches = new ArrayList<>();
        for (int i = 0; i + c.batchSize <= all.size(); i += c.batchSize)
            batches.add(all.subList(i, i + c.batchSize));
        return batches;
    }

    private static AdaMixModel model(TrainSetup setup, TrainCommand c, long steps) {
        AdaMixModel m =
                AdaMixModel.build(
                        setup.backbone().backbone(),
                        TrainSetup.adaptation(c, c.method),
                        setup.head(),
                        TrainSetup.optimizer(c, steps),
                        c.seed);
        if (c.recompute) m.recomputeActivations();
        return m;
    }

    /** Fits every batch once; returns the seconds it took. */
    private static double fitAll(AdaMixModel m, List<Batch> batches) {
        long t0 = System.nanoTime();
        for (Batch b : batches) m.fit(b);
        return (System.nanoTime() - t0) / 1e9;
    }
}
