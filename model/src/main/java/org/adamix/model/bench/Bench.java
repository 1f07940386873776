package org.adamix.model.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.adamix.model.AdaMixModel;
import org.adamix.model.AdaptationConfig;
import org.adamix.model.Batch;
import org.adamix.model.BertConfig;
import org.adamix.model.HeadConfig;
import org.adamix.model.Method;
import org.adamix.model.OptimizerConfig;
import org.adamix.model.RandomBackbone;
import org.adamix.model.checkpoint.Backbone;
import org.nd4j.linalg.api.buffer.DataType;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Training and inference throughput of each method on the reference model (vocab 8000, seq 128,
 * hidden 256, 4 layers, 4 heads, FFN 1024, tanh-GELU, no dropout, batch 32, Adam 1e-3, frozen
 * backbone, r = 16 at the FFN output, 2 classes), the same model as
 * ../shared/bench/torch_reference.py. Each configuration runs in its own JVM so that its peak RSS
 * is its own.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description =
                "Training/inference examples per second and peak memory of each adaptation method.")
public final class Bench implements Callable<Integer> {
    private static final String RECOMPUTE = "+recompute";

    /** The table's rows: label, method, experts, consistency weight. */
    static final List<String[]> CONFIGS =
            List.of(
                    new String[] {"pfeiffer", "pfeiffer", "1", "0"},
                    new String[] {"adamix-adapter", "adamix-adapter", "4", "0"},
                    new String[] {"adamix-adapter+consistency", "adamix-adapter", "4", "1"},
                    new String[] {"adamix-adapter-merged", "adamix-adapter", "4", "0"},
                    new String[] {"adamix-lora", "adamix-lora", "4", "0"},
                    new String[] {"full", "full", "1", "0"});

    @Option(
            names = "--config",
            split = ",",
            description =
                    "Rows to run, comma-separated (pfeiffer, adamix-adapter, "
                            + "adamix-adapter+consistency, adamix-adapter-merged, adamix-lora, full); default: all. "
                            + "ROW@T runs ROW at T tokens instead of --seq: with --interleaved, e.g. "
                            + "adamix-adapter+consistency@128,adamix-adapter+consistency@512, the lengths take turns step by step.")
    List<String> config;

    @Option(
            names = "--interleaved",
            description =
                    "Run the rows in one JVM, taking turns step by step, and print each "
                            + "row's speed relative to the first: a noisy machine then slows every row alike. Peak RSS is shared.")
    boolean interleaved;

    @Option(
            names = "--steps",
            defaultValue = "20",
            description = "Measured steps (default ${DEFAULT-VALUE}).")
    int steps;

    /**
     * The JIT takes about ten steps to compile the vector kernels' hot loops (measured); timing
     * earlier mixes in C1 code.
     */
    @Option(
            names = "--warmup",
            defaultValue = "10",
            description = "Unmeasured warm-up steps (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--batch", defaultValue = "32")
    int batch;

    @Option(names = "--seq", defaultValue = "128")
    int seq;

    @Option(names = "--layers", defaultValue = "4")
    int layers;

    @Option(names = "--hidden", defaultValue = "256")
    int hidden;

    @Option(names = "--heads", defaultValue = "4")
    int heads;

    @Option(names = "--ffn", defaultValue = "1024")
    int ffn;

    @Option(
            names = "--preset",
            description =
                    "A real backbone's shape: minilm (6 x 384, 12 heads, FFN 1536), "
                            + "e5small (12 x 384), bertbase (12 x 768); overrides --layers/--hidden/--heads/--ffn.")
    String preset;

    @Option(
            names = "--backbone",
            description =
                    "A real backbone (folder or .onnx, as train's --backbone): its weights and shape; "
                            + "overrides --layers/--hidden/--heads/--ffn. Dropout off, as in the other rows.")
    Path backbone;

    @Option(
            names = "--gemm-peak",
            description =
                    "First measure ND4J's float GEMM on this machine (a 2048 x 2048 x 2048 product and the FFN's "
                            + "[batch*seq, hidden] x [hidden, ffn]; best of 10) and print each row's GFLOP/s as a fraction of it; "
                            + "also time the square GEMM before each measured training turn (train_of_turn_peak: the median of each step's share of its own turn's GEMM).")
    boolean gemmPeak;

    /** The square GEMM's rate when --gemm-peak measured it. */
    private double peakGflops = Double.NaN;

    /**
     * With --gemm-peak, the square GEMM's rate once more just before each measured training turn:
     * each step is also compared with the GEMM of its own moment, because this machine's speed
     * drifts by more than the goal's margin within a run (a peak measured first, then steps 20 %
     * slower, both sides of the ratio slowed alike or not).
     */
    private double[] turnPeak;

    /** The loaded --backbone, shared by the rows (its weights are frozen or copied). */
    private Backbone real;

    @Option(names = "--rank", defaultValue = "16")
    int rank;

    @Option(
            names = "--experts",
            defaultValue = "4",
            description = "M for the adamix rows (default ${DEFAULT-VALUE}).")
    int experts;

    /**
     * Real short texts: every batch padded to its own longest sequence, lengths varying within and
     * across batches.
     */
    @Option(
            names = "--vary-length",
            description =
                    "Each batch's longest sequence drawn from [seq/4, seq], "
                            + "the others from [longest/2, longest] (padded), as real short texts are; compare tokens/s.")
    boolean varyLength;

    @Option(
            names = "--recompute",
            description =
                    "Activation recomputation (train's --recompute) for every row: each layer runs its forward pass again before its backward pass; "
                            + "compare peak_rss_mb and buffers_mb. A row ROW+recompute (e.g. adamix-adapter+consistency+recompute) does it for one row, "
                            + "to compare speeds side by side with --interleaved.")
    boolean recompute;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Bench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        applyPreset();
        real = loadBackbone();
        if (gemmPeak) measureGemmPeak();
        List<String[]> rows = config == null ? CONFIGS : config.stream().map(Bench::find).toList();
        if (interleaved) {
            printTable(interleave(rows), true, peakGflops);
        } else if (rows.size() == 1) {
            printTable(measure(List.of(new Row(rows.get(0)))), false, peakGflops);
        } else {
            List<String> lines = new ArrayList<>();
            for (String[] c : rows) lines.addAll(inItsOwnJvm(c));
            printTable(lines, false, peakGflops);
        }
        return 0;
    }

    /** The real backbone, if any, with its shape taken over (and dropout off). */
    private Backbone loadBackbone() throws java.io.IOException {
        if (backbone == null) return null;
        Backbone b = org.adamix.model.checkpoint.BackboneLoader.load(backbone);
        BertConfig c = b.config();
        layers = c.numLayers();
        hidden = c.hiddenSize();
        heads = c.numHeads();
        ffn = c.intermediateSize();
        if (seq > c.maxPositions())
            throw new CommandLine.ParameterException(
                    new CommandLine(this),
                    "--seq "
                            + seq
                            + " exceeds "
                            + backbone
                            + "'s "
                            + c.maxPositions()
                            + " positions");
        return b;
    }

    private void measureGemmPeak() {
        peakGflops = GemmPeak.gflops(2048, 2048, 2048, 10);
        double ffnShape = GemmPeak.gflops(batch * seq, hidden, ffn, 10);
        System.out.printf(
                "GEMM square=2048x2048x2048 gflops=%.1f ffn=%dx%dx%d gflops=%.1f%n",
                peakGflops, batch * seq, hidden, ffn, ffnShape);
    }

    private void applyPreset() {
        if (preset == null) return;
        switch (preset) {
            case "minilm" -> {
                layers = 6;
                hidden = 384;
                heads = 12;
                ffn = 1536;
            }
            case "e5small" -> {
                layers = 12;
                hidden = 384;
                heads = 12;
                ffn = 1536;
            }
            case "bertbase" -> {
                layers = 12;
                hidden = 768;
                heads = 12;
                ffn = 3072;
            }
            default ->
                    throw new CommandLine.ParameterException(
                            new CommandLine(this),
                            "--preset " + preset + " is not one of minilm, e5small, bertbase");
        }
        preset = null;
    }

    /** One row in a child JVM (so that its peak RSS is its own); returns its BENCH line. */
    private List<String> inItsOwnJvm(String[] c) throws Exception {
        List<String> cmd =
                new ArrayList<>(
                        List.of(
                                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                                "-cp",
                                System.getProperty("java.class.path")));
        cmd.addAll(jvmFlags());
        cmd.addAll(
                List.of(
                        Bench.class.getName(),
                        "--config",
                        c[0],
                        "--steps",
                        "" + steps,
                        "--warmup",
                        "" + warmup,
                        "--batch",
                        "" + batch,
                        "--seq",
                        "" + seq,
                        "--layers",
                        "" + layers,
                        "--rank",
                        "" + rank,
                        "--hidden",
                        "" + hidden,
                        "--heads",
                        "" + heads,
                        "--ffn",
                        "" + ffn,
                        "--experts",
                        "" + experts));
        if (varyLength) cmd.add("--vary-length");
        if (recompute) cmd.add("--recompute");
        if (backbone != null) cmd.addAll(List.of("--backbone", backbone.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("BENCH ")) {
                    System.out.println(line);
                    lines.add(line);
                } else if (line.startsWith("ERROR") || line.contains("Exception")) {
                    System.err.println(c[0] + ": " + line);
                }
            }
        }
        if (p.waitFor() != 0) System.err.println(c[0] + ": exited with " + p.exitValue());
        return lines;
    }

    private List<String> interleave(List<String[]> rows) {
        List<Row> built = new ArrayList<>();
        for (String[] c : rows) built.add(new Row(c));
        return measure(built);
    }

    private static List<String> jvmFlags() {
        List<String> out = new ArrayList<>();
        for (String a :
                java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments())
            if (a.startsWith("-X")
                    || a.startsWith("-D")
                    || a.startsWith("--add-opens")
                    || a.startsWith("--add-modules")) out.add(a);
        return out;
    }

    /** A row by label; "ROW+recompute" is the row with activation recomputation. */
    private static String[] find(String label) {
        int at = label.lastIndexOf('@');
        if (at > 0) {
            String[] base = find(label.substring(0, at));
            return new String[] {label, base[1], base[2], base[3], label.substring(at + 1)};
        }
        if (label.endsWith(RECOMPUTE)) {
            String[] base = find(label.substring(0, label.length() - RECOMPUTE.length()));
            return new String[] {label, base[1], base[2], base[3]};
        }
        for (String[] c : CONFIGS) if (c[0].equals(label)) return c;
        throw new CommandLine.ParameterException(
                new CommandLine(new Bench()),
                "unknown --config "
                        + label
                        + "; one of "
                        + CONFIGS.stream().map(c -> c[0]).toList());
    }

    /** ROW@T's T: a positive length within the backbone's positions. */
    private int lengthOf(String t) {
        int n;
        try {
            n = Integer.parseInt(t);
        } catch (NumberFormatException e) {
            n = -1;
        }
        int max = real == null ? Integer.MAX_VALUE : real.config().maxPositions();
        if (n < 1 || n > max)
            throw new CommandLine.ParameterException(
                    new CommandLine(this),
                    "--config ROW@"
                            + t
                            + ": the length must be a whole number in [1, "
                            + max
                            + "]");
        return n;
    }

    /**
     * One row's models, data and timings. The merged row infers with the merged model and trains
     * the mixture.
     */
    private final class Row {
        final String label;
        final AdaMixModel model, inferModel;
        final Batch[] data = new Batch[16];
        final double[] infer = new double[steps], train = new double[steps];
        double firstLoss = Double.NaN, lastLoss = Double.NaN;
        final StepFlops flops;

        /** Routed passes per training step: two with the consistency loss. */
        final int views;

        /** GFLOP/s of each measured step (StepFlops over the batch's padded shape). */
        final double[] inferRate = new double[steps], trainRate = new double[steps];

        /** Its sequence length: ROW@T's T, otherwise --seq. */
        final int length;

        Row(String[] c) {
            label = c[0];
            length = c.length > 4 ? lengthOf(c[4]) : seq;
            BertConfig bert =
                    new BertConfig(
                            "bert",
                            8000,
                            hidden,
                            layers,
                            heads,
                            ffn,
                            Math.max(seq, length),
                            2,
                            1e-12,
                            "gelu_new",
                            0.0,
                            0.0,
                            0);
            Backbone weights =
                    real == null
                            ? RandomBackbone.create(bert, 1, false)
                            : new Backbone(
                                    real.config().withDropout(0, 0),
                                    real.tensors(),
                                    real.name(),
                                    real.checksum());
            flops = new StepFlops(Method.of(c[1]), layers, hidden, ffn, rank);
            views = Double.parseDouble(c[3]) > 0 ? 2 : 1;
            int m = c[2].equals("1") ? 1 : experts;
            AdaptationConfig a =
                    AdaptationConfig.of(Method.of(c[1]), rank)
                            .withExperts(m)
                            .withConsistencyWeight(Double.parseDouble(c[3]));
            model =
                    AdaMixModel.build(
                            weights,
                            a,
                            HeadConfig.classification(2),
                            OptimizerConfig.adam(1e-3),
                            0);
            if (recompute || label.replaceAll("@.*", "").endsWith(RECOMPUTE))
                model.recomputeActivations();
            SplittableRandom r = new SplittableRandom(0);
            for (int i = 0; i < data.length; i++) {
                int[][] ids = new int[batch][];
                double[] y = new double[batch];
                int longest = varyLength ? length / 4 + r.nextInt(length - length / 4 + 1) : length;
                for (int b = 0; b < batch; b++) {
                    ids[b] =
                            new int
                                    [b == 0 || !varyLength
                                            ? longest
                                            : longest / 2 + r.nextInt(longest - longest / 2 + 1)];
                    for (int t = 0; t < ids[b].length; t++)
                        ids[b][t] = r.nextInt(weights.config().vocabSize());
                    y[b] = r.nextInt(2);
                }
                data[i] = Batch.of(ids, null, y, 2, false, DataType.FLOAT);
            }
            inferModel = label.endsWith("-merged") ? model.merge(false) : model;
        }

        /**
         * Seconds per padded token of each measured step: steps differ in length when lengths vary.
         */
        final double[] inferTok = new double[steps], trainTok = new double[steps];

        void predict(int i) {
            Batch b = data[i % data.length];
            long t0 = System.nanoTime();
            inferModel.predict(b);
            double s = (System.nanoTime() - t0) / 1e9;
            if (i >= warmup) {
                infer[i - warmup] = s;
                inferTok[i - warmup] = s / b.mask().length();
                inferRate[i - warmup] = b.size() * flops.infer((int) b.mask().size(1)) / s / 1e9;
            }
        }

        void fit(int i) {
            Batch b = data[i % data.length];
            long t0 = System.nanoTime();
            double loss = model.fit(b);
            double s = (System.nanoTime() - t0) / 1e9;
            if (i >= warmup) {
                train[i - warmup] = s;
                trainTok[i - warmup] = s / b.mask().length();
                trainRate[i - warmup] =
                        views * b.size() * flops.train((int) b.mask().size(1)) / s / 1e9;
            }
            if (i == 0) firstLoss = loss;
            lastLoss = loss;
        }

        /**
         * The median over the measured steps of each step's GFLOP/s over the square GEMM's just
         * before its turn, and that GEMM's median rate.
         */
        String ofTurnPeak(double[] peaks) {
            double[] share = new double[steps];
            for (int i = 0; i < steps; i++) share[i] = trainRate[i] / peaks[i];
            return String.format(
                    "train_of_turn_peak=%.4g turn_peak_gflops=%.4g", median(share), median(peaks));
        }

        String line(String extra) throws Exception {
            String blasCore = System.getenv().getOrDefault("OPENBLAS_CORETYPE", "default");
            return String.format(
                    "BENCH method=%s train_ex_per_s=%.1f infer_ex_per_s=%.1f train_tok_per_s=%.0f infer_tok_per_s=%.0f"
                            + " train_gflops=%.4g infer_gflops=%.4g"
                            + " peak_rss_mb=%d buffers_mb=%d heap_mb=%d trainable=%d loss_first=%.4f"
                            + " loss_last=%.4f kernels=%s blas_core=%s%s",
                    label,
                    batch / median(train),
                    batch / median(infer),
                    1 / median(trainTok),
                    1 / median(inferTok),
                    median(trainRate),
                    median(inferRate),
                    peakRssMb(),
                    // where the memory is: the layers' buffers, the Java heap committed
                    (model.bufferBytes() + (inferModel == model ? 0 : inferModel.bufferBytes()))
                            >> 20,
                    Runtime.getRuntime().totalMemory() >> 20,
                    model.trainableParams().length(),
                    firstLoss,
                    lastLoss,
                    org.adamix.model.ops.Kernels.describe(),
                    blasCore.isEmpty() ? "default" : blasCore,
                    extra);
        }
    }

    /**
     * All inference steps (rows taking turns), then all training steps; prints and returns the
     * BENCH lines.
     */
    private List<String> measure(List<Row> rows) {
        for (int i = 0; i < warmup + steps; i++) for (Row r : rows) r.predict(i);
        if (gemmPeak) turnPeak = new double[steps];
        for (int i = 0; i < warmup + steps; i++) {
            if (turnPeak != null && i >= warmup)
                turnPeak[i - warmup] = GemmPeak.gflops(2048, 2048, 2048, 1);
            for (Row r : rows) r.fit(i);
        }
        if (Boolean.getBoolean("adamix.profile"))
            org.adamix.model.layers.Sublayer.PROFILE.forEach(
                    (k, v) ->
                            System.out.printf(
                                    "PROFILE %-22s %8.1f ms/call%n", k, v[0] / 1e6 / v[1]));
        List<String> lines = new ArrayList<>();
        try {
            for (Row r : rows) {
                String extra =
                        rows.size() == 1
                                ? ""
                                : String.format(
                                        " train_vs_first=%.3f infer_vs_first=%.3f",
                                        median(rows.get(0).train) / median(r.train),
                                        median(rows.get(0).infer) / median(r.infer));
                if (turnPeak != null) extra += String.format(" %s", r.ofTurnPeak(turnPeak));
                lines.add(r.line(extra));
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        lines.forEach(System.out::println);
        return lines;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** Peak resident set of this JVM (heap + ND4J's off-heap buffers), from /proc. */
    static long peakRssMb() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status")))
            if (line.startsWith("VmHWM:"))
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
        return -1;
    }

    /** The rows as a table; {@code peak} (NaN when not measured) adds each row's share of it. */
    static void printTable(List<String> lines, boolean relative, double peak) {
        System.out.println();
        System.out.printf(
                "%-32s %12s %12s %14s %13s%s%s%n",
                "method",
                "train ex/s",
                "infer ex/s",
                "train GFLOP/s",
                "peak RSS MB",
                Double.isNaN(peak) ? "" : String.format(" %12s", "of GEMM peak"),
                relative ? String.format(" %13s %13s", "train vs 1st", "infer vs 1st") : "");
        for (String l : lines) {
            String gflops = field(l, "train_gflops");
            System.out.printf(
                    "%-32s %12s %12s %14s %13s%s%s%n",
                    field(l, "method"),
                    field(l, "train_ex_per_s"),
                    field(l, "infer_ex_per_s"),
                    gflops,
                    relative ? "(shared)" : field(l, "peak_rss_mb"),
                    Double.isNaN(peak)
                            ? ""
                            : String.format(" %12.2f", Double.parseDouble(gflops) / peak),
                    relative
                            ? String.format(
                                    " %13s %13s",
                                    field(l, "train_vs_first"), field(l, "infer_vs_first"))
                            : "");
        }
    }

    static String field(String line, String key) {
        for (String part : line.split(" "))
            if (part.startsWith(key + "=")) return part.substring(key.length() + 1);
        return "?";
    }
}
