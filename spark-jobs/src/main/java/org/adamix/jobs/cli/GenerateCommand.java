package org.adamix.jobs.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.adamix.datasets.DatasetReader;
import org.adamix.datasets.DatasetSpec;
import org.adamix.datasets.Example;
import org.adamix.jobs.generation.GenerationBackbone;
import org.adamix.jobs.generation.GenerationModelFolder;
import org.adamix.jobs.generation.GenerationRun;
import org.adamix.jobs.generation.Prompt;
import org.adamix.jobs.spark.FsPaths;
import org.adamix.jobs.spark.HadoopConf;
import org.adamix.jobs.spark.JobInputException;
import org.adamix.jobs.spark.Sessions;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code adamix generate}: text generation with a GPT-2 (and a trained adaptation) on Spark. */
@Command(
        name = "generate",
        mixinStandardHelpOptions = true,
        description = {
            "Generates a continuation for every input line with a GPT-2 backbone and, with --model, the",
            "adaptation train --task generation trained (AdaMix: experts averaged, the merged model). Beam",
            "search with a KV cache, distributed over executors. One JSON line per input line: line, id,",
            "ids (the prompt's tokens), generated_ids (new tokens only), text. The output folder appears",
            "complete, with _SUCCESS."
        })
public final class GenerateCommand implements Callable<Integer> {
    @Option(
            names = "--backbone",
            required = true,
            description =
                    "GPT-2 folder (config.json, model.safetensors, tokenizer), any Hadoop URI; a run's merged/ for LoRA, AdaMix-LoRA, full.")
    String backbone;

    @Option(
            names = "--model",
            description =
                    "A train --task generation output (or its model/ or merged/ folder) trained on --backbone.")
    String model;

    @Option(
            names = "--input",
            required = true,
            split = ",",
            description = "Prompts: files, folders or globs (the --text-column, default source).")
    List<String> input;

    @Option(
            names = "--output",
            required = true,
            description = "Output folder for part-* JSON Lines; must not exist.")
    String output;

    @Mixin GenerationOptions generation = new GenerationOptions();

    @Option(
            names = "--batch-size",
            defaultValue = "8",
            description = "Prompts per beam-search batch (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--workers", description = "Partitions (default: Spark's default parallelism).")
    Integer workers;

    @Option(
            names = "--master",
            description = "Spark master (default: spark-submit's, else local[*]).")
    String master;

    @Mixin DataOptions options = new DataOptions();

    @Override
    public Integer call() {
        return Failures.run(
                "generate",
                System.err,
                () -> {
                    Configuration conf = HadoopConf.driver();
                    Path out = FsPaths.newOutput(output, conf);
                    GenerationBackbone bb = GenerationBackbone.open(backbone, conf);
                    generation.check(bb);
                    if (batchSize < 1)
                        throw new JobInputException("--batch-size must be >= 1, got " + batchSize);
                    if (workers != null && workers < 1)
                        throw new JobInputException("--workers must be >= 1, got " + workers);
                    GenerationModelFolder trained =
                            model == null ? null : GenerationModelFolder.load(model, bb, conf);
                    List<Prompt> prompts = prompts(conf);
                    try (Sessions s = Sessions.open(master, "adamix generate")) {
                        FsPaths.saveText(
                                GenerationRun.of(s, bb, trained, generation, batchSize, workers)
                                        .generate(prompts)
                                        .map(g -> g.jsonLine()),
                                out,
                                conf);
                    }
                    System.out.println(prompts.size() + " generations written to " + out);
                    return 0;
                });
    }

    /** The prompts, read on the driver, in file order. */
    private List<Prompt> prompts(Configuration conf) {
        DatasetSpec spec;
        try {
            spec = options.promptSpec();
        } catch (IllegalArgumentException e) {
            throw new JobInputException(e.getMessage(), e);
        }
        List<Prompt> out = new ArrayList<>();
        try (DatasetReader r = DatasetReader.open(spec, conf, input)) {
            while (r.hasNext()) {
                Example e = r.next();
                out.add(new Prompt(e.source().number(), e.id(), e.textA()));
            }
        }
        if (out.isEmpty()) throw new JobInputException("--input: no rows in " + input);
        return out;
    }
}
