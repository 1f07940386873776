package org.adamix.jobs.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.adamix.jobs.cli.GpuCheckCommand;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The GPU check where there is no GPU (this machine): the CPU-only job jar says so in one line with
 * its own exit code, locally and through Spark; the stored CPU reference is what this build's CPU
 * computes; and the comparison table, run on the CPU backend against it, passes.
 */
class GpuCheckTest {
    static final String ONE_LINE =
            "gpu-check: no CUDA backend: this job jar holds ND4J's CPU backend (nd4j-native); "
                    + "build the GPU job jar with mvn -Pcuda -DskipTests package";

    @Test
    void cpuOnlyBackendIsOneLineAndItsOwnExitCode() throws Exception {
        GpuCheck.Report r = GpuCheck.run(0, false);
        assertEquals(GpuCheck.NO_CUDA_BACKEND, r.code());
        assertEquals(ONE_LINE, r.text());

        // the entry point bin/gpu-check runs, in a JVM of its own: that line and nothing else, and
        // the exit code
        List<String> cmd =
                new ArrayList<>(
                        List.of(
                                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                                "-cp",
                                System.getProperty("java.class.path"),
                                GpuCheck.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(GpuCheck.NO_CUDA_BACKEND, p.exitValue(), out);
        assertEquals(ONE_LINE + "\n", out);
    }

    @Test
    void sparkVariantPrintsTheExecutorsResultOnTheDriver() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream old = System.out;
        int code;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            code =
                    new CommandLine(new GpuCheckCommand())
                            .execute("--master", "local[1]", "--bench-steps", "0");
        } finally {
            System.setOut(old);
        }
        assertEquals(GpuCheck.NO_CUDA_BACKEND, code);
        assertEquals(ONE_LINE + "\n", out.toString(StandardCharsets.UTF_8));
    }

    /**
     * If this fails after a model change, regenerate the file (see its first line) and say so in
     * the commit.
     */
    @Test
    void storedCpuReferenceIsWhatThisCpuComputes() throws Exception {
        double[] now = GpuCheck.train(), stored = GpuCheck.parse(GpuCheck.reference());
        assertEquals(stored.length, now.length);
        // OpenBLAS picks GEMM kernels by CPU (other summation orders): not bit for bit across
        // machines
        for (int i = 0; i < now.length; i++)
            assertEquals(stored[i], now[i], 1e-5 * Math.max(1, Math.abs(stored[i])), "value " + i);
    }

    @Test
    void comparisonTableOnTheCpuBackendPasses() {
        GpuCheck.Report r = GpuCheck.run(0, true);
        assertEquals(GpuCheck.OK, r.code(), r.text());
        assertTrue(
                r.text().contains("train loss, step " + GpuCheck.STEPS)
                        && r.text().endsWith("gpu-check: OK"),
                r.text());
    }

    @Test
    void cudaVersionIsThePomsCudaBackend() throws Exception {
        Path pom = Path.of("..", "pom.xml");
        String text = Files.readString(pom);
        assertTrue(
                text.contains(
                        "<nd4j.backend>nd4j-cuda-"
                                + GpuCheck.CUDA_MAJOR
                                + "."
                                + GpuCheck.CUDA_MINOR
                                + "</nd4j.backend>"),
                "the -Pcuda profile's backend is not CUDA "
                        + GpuCheck.CUDA_MAJOR
                        + "."
                        + GpuCheck.CUDA_MINOR);
    }
}
