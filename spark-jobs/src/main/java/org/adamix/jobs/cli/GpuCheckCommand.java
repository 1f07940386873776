package org.adamix.jobs.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.adamix.jobs.gpu.GpuCheck;
import org.adamix.jobs.spark.Sessions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code gpu-check}: {@link GpuCheck} inside one executor task (so on an executor's GPU, bound by
 * GpuPlugin when GPU scheduling is on), its table or its one-line reason printed by the driver, and
 * its exit code. The driver itself never starts ND4J.
 */
@Command(
        name = "gpu-check",
        mixinStandardHelpOptions = true,
        description = {
            "Runs the GPU smoke test in one executor task and prints its result: bench on two shapes and a "
                    + "few training steps compared with the CPU's, or one line saying why CUDA is not usable there.",
            "Exit codes: 0 ok, 1 results differ from the CPU's, 3 no CUDA backend in the job jar, 4 no CUDA driver, "
                    + "5 no GPU, 6 CUDA version does not fit ND4J's backend."
        })
public final class GpuCheckCommand implements Callable<Integer> {
    @Option(
            names = "--bench-steps",
            defaultValue = "10",
            description =
                    "Measured bench steps per shape, 0 = no bench (default ${DEFAULT-VALUE}).")
    int benchSteps;

    @Option(
            names = "--master",
            description = "Spark master (default: spark-submit's, else local[*]).")
    String master;

    @Override
    public Integer call() {
        return Failures.run(
                "gpu-check",
                System.err,
                () -> {
                    try (Sessions spark = Sessions.open(master, "adamix gpu-check")) {
                        int steps = benchSteps;
                        spark.sc().setJobDescription("GPU check in one executor task");
                        GpuCheck.Report r =
                                spark.sc()
                                        .parallelize(List.of(0), 1)
                                        .map(i -> GpuCheck.run(steps, false))
                                        .collect()
                                        .get(0);
                        System.out.println(r.text());
                        return r.code();
                    }
                });
    }
}
