package org.adamix.jobs.gpu;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.adamix.model.AdaMixModel;
import org.adamix.model.AdaptationConfig;
import org.adamix.model.Batch;
import org.adamix.model.BertConfig;
import org.adamix.model.HeadConfig;
import org.adamix.model.Method;
import org.adamix.model.OptimizerConfig;
import org.adamix.model.RandomBackbone;
import org.adamix.model.bench.Bench;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine;

/**
 * A GPU smoke test for the {@code -Pcuda} job jar ({@code bin/gpu-check}; {@code adamix gpu-check}
 * runs it in an executor task). Without a usable CUDA setup it prints one line saying why and exits
 * with a code of its own: {@value #NO_CUDA_BACKEND} the jar holds ND4J's CPU backend only, {@value
 * #NO_DRIVER} no NVIDIA driver, {@value #NO_DEVICE} no CUDA device, {@value #CUDA_VERSION} a CUDA
 * runtime or driver that does not fit ND4J's backend. The probes use CUDA's runtime API through
 * reflection, before ND4J starts: the CPU build compiles without the CUDA classes, and ND4J's own
 * failure is a stack trace. With a GPU it runs {@code bench} on two shapes and trains a small model
 * a few steps, comparing losses and outputs with the CPU's ({@link #REFERENCE}), and prints one
 * table; {@value #MISMATCH} when they differ beyond {@link #TOLERANCE}.
 */
public final class GpuCheck {
    public static final int OK = 0,
            MISMATCH = 1,
            NO_CUDA_BACKEND = 3,
            NO_DRIVER = 4,
            NO_DEVICE = 5,
            CUDA_VERSION = 6;

    /**
     * The CUDA version of ND4J's backend in the pom's -Pcuda profile (nd4j-cuda-11.6, 1.0.0-M2.1).
     */
    public static final int CUDA_MAJOR = 11, CUDA_MINOR = 6;

    static final String CUDA_BACKEND = "org.nd4j.linalg.jcublas.JCublasBackend";
    static final String CPU_BACKEND = "org.nd4j.linalg.cpu.nativecpu.CpuBackend";
    static final String CUDART = "org.bytedeco.cuda.global.cudart";

    /**
     * The CPU backend's losses and outputs of {@link #train}, written by {@code --write-reference}
     * and checked against this build's CPU on every test run ({@code GpuCheckTest}): the GPU jar
     * has no CPU backend (ND4J runs one backend per JVM), so its CPU side is this file.
     */
    static final String REFERENCE = "gpu-check-reference.txt";

    /**
     * |gpu - cpu| &lt;= TOLERANCE * max(1, |cpu|) for every loss and output. Both sides are float32
     * and differ only in the order they add things: cuBLAS and ND4J's CUDA reductions sum in other
     * orders (some through atomics, so not even run to run), each about 1e-7 relative per
     * operation, compounding over layers and 5 Adam steps. Measured here, two CPU kernel sets with
     * other GEMM orders (OPENBLAS_CORETYPE Haswell vs SkylakeX) moved the values by at most 1.2e-7.
     * 1e-3 gives the GPU four orders of magnitude more room and is still small against the values
     * (losses 0.58-0.75, logits 0.25-0.76), so that a wrong kernel or a lost update shows.
     */
    public static final double TOLERANCE = 1e-3;

    /**
     * What the check found: the exit code and the text to print (one line when CUDA is not usable).
     */
    public record Report(int code, String text) implements Serializable {}

    private GpuCheck() {}

    public static void main(String[] args) throws IOException {
        int benchSteps = 10;
        boolean allowCpu = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--bench-steps" -> benchSteps = Integer.parseInt(args[++i]);
                case "--allow-cpu" -> allowCpu = true;
                case "--write-reference" -> {
                    Files.writeString(Path.of(args[++i]), format(train()));
                    return;
                }
                default -> {
                    System.err.println(
                            "usage: GpuCheck [--bench-steps N] [--allow-cpu] | --write-reference FILE");
                    System.exit(2);
                }
            }
        }
        Report r = run(benchSteps, allowCpu);
        System.out.println(r.text());
        org.adamix.jobs.AdaMix.end(r.code());
    }

    /**
     * The whole check in this JVM. {@code allowCpu}: compare on the CPU backend too (tests the
     * table path here).
     */
    public static Report run(int benchSteps, boolean allowCpu) {
        Report missing = allowCpu ? null : probe(System.getenv("CUDA_VISIBLE_DEVICES"));
        if (missing != null) return missing;
        try {
            return onDevice(benchSteps);
        } catch (Throwable t) {
            // ND4J's CUDA backend failed to start after the runtime probes passed: usually
            // cuBLAS/cuDNN missing
            return new Report(
                    CUDA_VERSION, "gpu-check: ND4J's backend did not start: " + firstLine(t));
        }
    }

    /** Null when CUDA is usable, else the one-line reason. */
    static Report probe(String visibleDevices) {
        if (!present(CUDA_BACKEND))
            return new Report(
                    NO_CUDA_BACKEND,
                    "gpu-check: no CUDA backend: this job jar holds ND4J's "
                            + (present(CPU_BACKEND)
                                    ? "CPU backend (nd4j-native)"
                                    : "no backend at all")
                            + "; build the GPU job jar with mvn -Pcuda -DskipTests package");
        boolean kernelDriver = Files.exists(Path.of("/proc/driver/nvidia/version"));
        int[] driver = {0}, runtime = {0}, count = {0};
        int err;
        try {
            Class<?> c = Class.forName(CUDART);
            call(c, "cudaDriverGetVersion", driver);
            call(c, "cudaRuntimeGetVersion", runtime);
            if (driver[0] == 0) return noDriver(kernelDriver);
            err = call(c, "cudaGetDeviceCount", count);
        } catch (Throwable t) {
            if (!kernelDriver) return noDriver(false);
            return new Report(
                    CUDA_VERSION,
                    "gpu-check: wrong CUDA version: the CUDA "
                            + CUDA_MAJOR
                            + "."
                            + CUDA_MINOR
                            + " runtime libraries ND4J's backend needs did not load ("
                            + firstLine(t)
                            + "); install CUDA "
                            + CUDA_MAJOR
                            + "."
                            + CUDA_MINOR
                            + " (cudart, cuBLAS, cuSOLVER) and cuDNN 8.3 on the node or in its image");
        }
        int rMajor = runtime[0] / 1000, rMinor = runtime[0] % 1000 / 10;
        if (rMajor != CUDA_MAJOR || rMinor < CUDA_MINOR)
            return new Report(
                    CUDA_VERSION,
                    "gpu-check: wrong CUDA version: ND4J's backend is built for CUDA "
                            + CUDA_MAJOR
                            + "."
                            + CUDA_MINOR
                            + " but this node loaded the CUDA "
                            + rMajor
                            + "."
                            + rMinor
                            + " runtime");
        // cudaErrorInsufficientDriver 35, cudaErrorSystemDriverMismatch 803; cudaErrorNoDevice 100;
        // stub libcuda 34
        if (err == 35 || err == 803)
            return new Report(
                    CUDA_VERSION,
                    "gpu-check: wrong CUDA version: the NVIDIA driver supports CUDA up to "
                            + driver[0] / 1000
                            + "."
                            + driver[0] % 1000 / 10
                            + ", ND4J's backend needs "
                            + CUDA_MAJOR
                            + "."
                            + CUDA_MINOR
                            + " (driver >= 510.39.01; >= 450.80.02 with CUDA's minor version compatibility)");
        if (err == 34) return noDriver(kernelDriver);
        if (err != 0 || count[0] == 0)
            return new Report(
                    NO_DEVICE,
                    "gpu-check: no GPU: the CUDA driver sees no device (cudaGetDeviceCount: error "
                            + err
                            + ", "
                            + count[0]
                            + " devices; CUDA_VISIBLE_DEVICES="
                            + visibleDevices
                            + ")");
        return null;
    }

    private static Report noDriver(boolean kernelDriver) {
        return new Report(
                NO_DRIVER,
                "gpu-check: no CUDA driver: "
                        + (kernelDriver
                                ? "the NVIDIA kernel module is loaded but libcuda.so is missing or a stub (container without the NVIDIA runtime?)"
                                : "no NVIDIA kernel driver on this node (/proc/driver/nvidia/version is missing)"));
    }

    private static int call(Class<?> cudart, String name, int[] out)
            throws ReflectiveOperationException {
        return (Integer) cudart.getMethod(name, int[].class).invoke(null, (Object) out);
    }

    static boolean present(String className) {
        try {
            Class.forName(className, false, GpuCheck.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** Bench on two shapes, then the training comparison with the CPU reference: one table. */
    static Report onDevice(int benchSteps) throws IOException {
        StringBuilder t = new StringBuilder();
        String backend = Nd4j.getBackend().getClass().getName();
        t.append(
                String.format(
                        "gpu-check on %s: ND4J backend %s (%s), %d device(s)%n",
                        java.lang.management.ManagementFactory.getRuntimeMXBean().getName(),
                        backend,
                        Nd4j.getEnvironment().isCPU() ? "CPU" : "GPU",
                        Nd4j.getAffinityManager().getNumberOfDevices()));
        t.append(
                String.format(
                        "%-44s %14s %14s %10s  %s%n",
                        "", "this backend", "CPU reference", "|diff|", "within " + TOLERANCE));
        if (benchSteps > 0) {
            for (String[] shape :
                    new String[][] {
                        {"reference 4x256, batch 32, seq 128", ""},
                        {"MiniLM 6x384, batch 32, seq 128", "minilm"}
                    }) {
                double[] exs = bench(shape[1], benchSteps);
                t.append(
                        String.format(
                                "%-44s %14.1f %14s %10s%n",
                                "bench " + shape[0] + ": train ex/s", exs[0], "-", "-"));
                t.append(
                        String.format(
                                "%-44s %14.1f %14s %10s%n",
                                "bench " + shape[0] + ": infer ex/s", exs[1], "-", "-"));
            }
        }
        double[] here = train(), cpu = parse(reference());
        boolean ok = here.length == cpu.length;
        int losses = STEPS;
        for (int i = 0; i < Math.min(here.length, cpu.length); i++) {
            double d = Math.abs(here[i] - cpu[i]);
            boolean within = d <= TOLERANCE * Math.max(1, Math.abs(cpu[i]));
            ok &= within;
            String what =
                    i < losses
                            ? "train loss, step " + (i + 1)
                            : "output logit " + (i - losses + 1) + " after training";
            t.append(
                    String.format(
                            "%-44s %14.7f %14.7f %10.2e  %s%n",
                            what, here[i], cpu[i], d, within ? "yes" : "NO"));
        }
        t.append(
                ok
                        ? "gpu-check: OK"
                        : "gpu-check: MISMATCH: this backend's results differ from the CPU's beyond "
                                + TOLERANCE);
        return new Report(ok ? OK : MISMATCH, t.toString());
    }

    /** {train ex/s, infer ex/s} of Bench's adamix-adapter row on a shape, run in this JVM. */
    static double[] bench(String preset, int steps) {
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "--config",
                                "adamix-adapter",
                                "--steps",
                                "" + steps,
                                "--warmup",
                                "3",
                                "--batch",
                                "32",
                                "--seq",
                                "128"));
        if (!preset.isEmpty()) args.addAll(List.of("--preset", preset));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream old = System.out;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            new CommandLine(new Bench()).execute(args.toArray(String[]::new));
        } finally {
            System.setOut(old);
        }
        String s = out.toString(StandardCharsets.UTF_8);
        return new double[] {field(s, "train_ex_per_s"), field(s, "infer_ex_per_s")};
    }

    private static double field(String benchOutput, String key) {
        Matcher m = Pattern.compile(key + "=([0-9.]+)").matcher(benchOutput);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    static final int STEPS = 5;

    /**
     * The compared run: a random 2-layer BERT without dropout, AdaMix adapters (M = 2), weights set
     * from a Java generator (ND4J's random generators differ between backends), STEPS Adam steps on
     * fixed batches; returns the losses, then the evaluation logits of a fixed batch.
     */
    static double[] train() {
        BertConfig c = BertConfig.tiny(64, 32, 2, 2, 64, 32, "gelu");
        AdaMixModel m =
                AdaMixModel.build(
                        RandomBackbone.create(c, 11, false, 0.3),
                        AdaptationConfig.of(Method.ADAMIX_ADAPTER, 8).withExperts(2),
                        HeadConfig.classification(2),
                        new OptimizerConfig(1e-2, 0.0, 0.0, STEPS, 0.9, 0.999, 1e-8, 0.0),
                        5);
        SplittableRandom r = new SplittableRandom(3);
        float[] p = new float[(int) m.trainableParams().length()];
        for (int i = 0; i < p.length; i++) p[i] = (float) ((r.nextDouble() - 0.5) * 0.2);
        m.setTrainableParams(Nd4j.createFromArray(p).reshape(m.trainableParams().shape()));
        double[] out = new double[STEPS + 8];
        for (int s = 0; s < STEPS; s++) out[s] = m.fit(batch(r, 8, 16));
        float[] logits =
                m.predict(batch(new SplittableRandom(99), 4, 16))
                        .castTo(DataType.FLOAT)
                        .dup('c')
                        .data()
                        .asFloat();
        for (int i = 0; i < 8; i++) out[STEPS + i] = logits[i];
        return out;
    }

    private static Batch batch(SplittableRandom r, int rows, int length) {
        int[][] ids = new int[rows][length];
        double[] y = new double[rows];
        for (int b = 0; b < rows; b++) {
            for (int t = 0; t < length; t++) ids[b][t] = r.nextInt(64);
            y[b] = r.nextInt(2);
        }
        return Batch.of(ids, null, y, 2, false, DataType.FLOAT);
    }

    static String format(double[] v) {
        StringBuilder sb =
                new StringBuilder(
                        "# GpuCheck.train() on ND4J's CPU backend; regenerate with GpuCheck --write-reference\n");
        for (double x : v) sb.append(x).append('\n');
        return sb.toString();
    }

    static double[] parse(String text) {
        return Arrays.stream(text.split("\n"))
                .filter(l -> !l.isBlank() && !l.startsWith("#"))
                .mapToDouble(Double::parseDouble)
                .toArray();
    }

    static String reference() throws IOException {
        try (InputStream in = GpuCheck.class.getResourceAsStream(REFERENCE)) {
            if (in == null) throw new IOException(REFERENCE + " is not in the job jar");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static String firstLine(Throwable t) {
        String m =
                t.getMessage() == null
                        ? t.getClass().getName()
                        : t.getClass().getSimpleName() + ": " + t.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
