package org.adamix.jobs;

import org.adamix.jobs.cli.Failures;
import org.adamix.model.bench.Bench;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The one entry point of the job jar: {@code spark-submit ... adamix-spark-jobs-job.jar
 * <subcommand>} or {@code bin/adamix <subcommand>} (embedded local Spark).
 */
@Command(
        name = "adamix",
        mixinStandardHelpOptions = true,
        version = "adamix 0.1.0",
        description = "Parameter-efficient fine-tuning with AdaMix on Spark.",
        subcommands = {
            Bench.class,
            org.adamix.model.bench.DecoderBench.class,
            org.adamix.jobs.encode.Encode.class,
            org.adamix.jobs.cli.TrainCommand.class,
            org.adamix.jobs.cli.CompareCommand.class,
            org.adamix.jobs.cli.MergeCommand.class,
            org.adamix.jobs.cli.EvaluateCommand.class,
            org.adamix.jobs.cli.PredictCommand.class,
            org.adamix.jobs.cli.GenerateCommand.class,
            org.adamix.jobs.bench.SparkBench.class,
            org.adamix.jobs.cli.GpuCheckCommand.class,
            CommandLine.HelpCommand.class
        })
public final class AdaMix implements Runnable {

    public static void main(String[] args) {
        end(commandLine().execute(args));
    }

    /**
     * How a main method ends with a command's exit code. Success returns: YARN's application master
     * runs main in a thread and reports SUCCEEDED only when it returns, while System.exit(0) before
     * that is reported as FAILED (EXIT_EARLY). A failure in cluster deploy mode throws, so that the
     * application fails with the error line as its diagnostics; elsewhere (bin/adamix, client mode)
     * the JVM exits with the code: 2 for bad input, 1 for a failed job.
     */
    public static void end(int code) {
        if (code == 0) return;
        if ("cluster".equals(System.getProperty("spark.submit.deployMode")))
            throw new Failed(code, Failures.lastError());
        System.exit(code);
    }

    /** A failed command in cluster deploy mode, with its exit code and error line. */
    public static final class Failed extends RuntimeException {
        private final int exitCode;

        Failed(int exitCode, String errorLine) {
            super(
                    "exit code "
                            + exitCode
                            + (exitCode == Failures.BAD_INPUT ? " (bad input)" : "")
                            + (errorLine == null ? "" : ": " + errorLine));
            this.exitCode = exitCode;
        }

        public int exitCode() {
            return exitCode;
        }
    }

    public static CommandLine commandLine() {
        return new CommandLine(new AdaMix());
    }

    @Override
    public void run() {
        commandLine().usage(System.out);
    }
}
