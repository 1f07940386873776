package org.adamix.jobs;

import org.adamix.model.bench.Bench;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The one entry point of the job jar: {@code spark-submit ... adamix-spark-jobs-job.jar <subcommand>}
 * or {@code bin/adamix <subcommand>} (embedded local Spark).
 */
@Command(name = "adamix", mixinStandardHelpOptions = true, version = "adamix 0.1.0",
        description = "Parameter-efficient fine-tuning with AdaMix on Spark.",
        subcommands = {Bench.class, org.adamix.jobs.encode.Encode.class, org.adamix.jobs.cli.TrainCommand.class, org.adamix.jobs.cli.CompareCommand.class,
                org.adamix.jobs.cli.MergeCommand.class,
                org.adamix.jobs.cli.EvaluateCommand.class, org.adamix.jobs.cli.PredictCommand.class,
                org.adamix.jobs.bench.SparkBench.class, CommandLine.HelpCommand.class})
public final class AdaMix implements Runnable {

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        return new CommandLine(new AdaMix());
    }

    @Override
    public void run() {
        commandLine().usage(System.out);
    }
}
