package org.adamix.jobs.cli;

import picocli.CommandLine.Option;

/** What evaluate and predict share: the trained model, its backbone, and how inference runs. */
public final class InferenceOptions {
    @Option(names = "--model", required = true, description = "Train output folder (merged/ if present, else mixture/) or a checkpoint folder.")
    String model;
    @Option(names = "--backbone", required = true, description = "The backbone the model was trained on.")
    String backbone;
    @Option(names = "--max-length", defaultValue = "128", description = "Tokens per example (default ${DEFAULT-VALUE}).")
    int maxLength;
    @Option(names = "--batch-size", defaultValue = "32", description = "Examples per inference batch (default ${DEFAULT-VALUE}).")
    int batchSize;
    @Option(names = "--workers", description = "Partitions (default: Spark's default parallelism).")
    Integer workers;
    @Option(names = "--master", description = "Spark master (default: spark-submit's, else local[*]).")
    String master;
}
