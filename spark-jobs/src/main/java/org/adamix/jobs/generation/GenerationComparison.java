package org.adamix.jobs.generation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.adamix.datasets.generation.References;
import org.adamix.jobs.cli.GenerationOptions;
import org.adamix.jobs.cli.TrainCommand;
import org.adamix.jobs.compare.CompareMetrics;
import org.adamix.jobs.compare.ComparisonTask;
import org.adamix.jobs.compare.OneTaskPerRun;
import org.adamix.jobs.compare.RunConfig;
import org.adamix.jobs.compare.RunFiles;
import org.adamix.jobs.compare.RunResult;
import org.adamix.jobs.spark.JobInputException;
import org.adamix.jobs.spark.Sessions;
import org.adamix.jobs.train.TrainSetup;
import org.adamix.model.AdaptationConfig;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Comparing on a generation task (source → target pairs) with a GPT-2 backbone: dev loss per target
 * token chooses each run's epoch and each method's learning rate; the merged model's test BLEU is
 * reported (ROUGE-L beside it in compare.json). Each configuration is a {@link
 * GenerationSingleRun}.
 */
public final class GenerationComparison implements ComparisonTask {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final TrainCommand base;
    private final GenerationBackbone backbone;
    private final GenerationOptions decoding;
    private final List<String> methods, testFiles;
    private final GenerationCompareData data;
    private final Map<String, AdaptationConfig> adaptations = new LinkedHashMap<>();

    /** Checks the options and reads train, dev and test on the driver; Spark is not started. */
    public GenerationComparison(
            TrainCommand base,
            GenerationBackbone backbone,
            GenerationOptions decoding,
            List<String> methods,
            List<String> testFiles,
            Configuration conf) {
        GenerationTrainJob.checkOptions(base);
        decoding.check(backbone);
        for (String m : methods) adaptations.put(m, TrainSetup.adaptation(base, m));
        if (base.dev == null || base.dev.isEmpty())
            throw new JobInputException("--dev: compare chooses epochs and learning rates on dev");
        this.base = base;
        this.backbone = backbone;
        this.decoding = decoding;
        this.methods = List.copyOf(methods);
        this.testFiles = List.copyOf(testFiles);
        List<int[]> prompts = new ArrayList<>();
        List<List<String>> references = new ArrayList<>();
        if (!testFiles.isEmpty())
            for (References r :
                    GenerationEvaluation.references(base.data.generationSpec(), testFiles, conf)) {
                prompts.add(backbone.prompt(r.source()));
                references.add(r.targets());
            }
        this.data =
                new GenerationCompareData(
                        backbone.pairs(
                                base.data.generationSpec(),
                                conf,
                                base.train,
                                "--train",
                                base.maxLength),
                        backbone.pairs(
                                base.data.generationSpec(),
                                conf,
                                base.dev,
                                "--dev",
                                base.maxLength),
                        prompts,
                        references,
                        backbone.tokenizerFiles());
    }

    @Override
    public ObjectNode settings() {
        ObjectNode n = JSON.createObjectNode();
        n.put("task", "generation");
        n.put("backbone", backbone.key());
        n.putPOJO("train_files", base.train);
        n.putPOJO("dev_files", base.dev);
        n.putPOJO("test_files", testFiles);
        ObjectNode adaptation = JSON.valueToTree(adaptations.get(methods.get(0)));
        adaptation.remove("method");
        n.set("adaptation", adaptation);
        ObjectNode optimizer = JSON.valueToTree(TrainSetup.optimizer(base, 1));
        optimizer.remove("learningRate");
        optimizer.remove("totalSteps");
        n.set("optimizer", optimizer);
        n.put("label_smoothing", base.labelSmoothing);
        n.put("epochs", base.epochs);
        n.put("batch_size", base.batchSize);
        n.put("max_length", base.maxLength);
        n.putPOJO("decoding", decoding.beamOptions(backbone.endOfText()));
        n.put("max_prompt_tokens", decoding.maxPromptTokens(backbone));
        return n;
    }

    @Override
    public CompareMetrics metrics() {
        return new CompareMetrics("loss", true, "bleu");
    }

    @Override
    public boolean hasTest() {
        return data.hasTest();
    }

    @Override
    public String sizes() {
        return String.format(
                "%d train / %d dev pairs, %d test sources",
                data.train().size(), data.dev().size(), data.testPrompts().size());
    }

    @Override
    public String describe() {
        return String.format(
                "generation on GPT-2 %s, %d epochs, batch %d, max length %d, beams %d",
                backbone.backbone().config(),
                base.epochs,
                base.batchSize,
                base.maxLength,
                decoding.beams);
    }

    @Override
    public String title() {
        return "AdaMix compare (generation) on " + backbone.key();
    }

    @Override
    public List<RunResult> train(Sessions session, List<RunConfig> todo, RunFiles files) {
        JavaSparkContext sc = session.sc();
        String key = backbone.key();
        if (session.localMode()) GenerationModels.register(key, backbone.backbone());
        GenerationSingleRun run =
                new GenerationSingleRun(
                        adaptations,
                        TrainSetup.optimizer(base, 1),
                        base.labelSmoothing,
                        base.epochs,
                        base.batchSize,
                        decoding.beamOptions(backbone.endOfText()),
                        decoding.maxPromptTokens(backbone));
        return OneTaskPerRun.train(
                sc, todo, files, ShippedGpt2.of(backbone.backbone(), key), data, run::run);
    }
}
