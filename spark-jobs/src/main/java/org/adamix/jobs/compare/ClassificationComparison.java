package org.adamix.jobs.compare;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.adamix.jobs.data.TokenizedExample;
import org.adamix.jobs.spark.ExecutorModels;
import org.adamix.jobs.spark.Sessions;
import org.adamix.jobs.spark.ShippedBackbone;
import org.adamix.jobs.train.TrainSetup;
import org.adamix.model.AdaptationConfig;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Comparing on a classification or regression task with an encoder backbone: accuracy (Pearson for
 * regression) chooses and is reported; each configuration is a {@link SingleRun}.
 */
public final class ClassificationComparison implements ComparisonTask {
    private final TrainSetup setup;
    private final List<String> methods;
    private final List<String> testFiles;
    private final CompareData data;

    /** Reads and tokenizes train, dev and test on the driver. */
    public ClassificationComparison(
            TrainSetup setup, List<String> methods, List<String> testFiles) {
        this.setup = setup;
        this.methods = List.copyOf(methods);
        this.testFiles = List.copyOf(testFiles);
        Configuration conf = setup.conf();
        int maxLength = setup.command().maxLength;
        var tokenizer = setup.backbone().tokenizer();
        this.data =
                new CompareData(
                        CompareData.read(
                                setup.dataSpec(), conf, setup.trainFiles(), tokenizer, maxLength),
                        CompareData.read(
                                setup.dataSpec(), conf, setup.devFiles(), tokenizer, maxLength),
                        CompareData.read(setup.dataSpec(), conf, testFiles, tokenizer, maxLength));
    }

    @Override
    public ObjectNode settings() {
        ObjectNode settings = setup.runIdentity(1);
        for (String k : List.of("method", "lr", "seed", "local_steps", "workers"))
            settings.remove(k);
        settings.putPOJO("dev_files", setup.devFiles());
        settings.putPOJO("test_files", testFiles);
        return settings;
    }

    @Override
    public CompareMetrics metrics() {
        return CompareMetrics.higher(setup.head().regression() ? "pearson" : "accuracy");
    }

    @Override
    public boolean hasTest() {
        return data.hasTest();
    }

    @Override
    public String sizes() {
        return String.format(
                "%d train / %d dev / %d test examples",
                data.train().size(), data.dev().size(), data.test().size());
    }

    @Override
    public String describe() {
        return "test " + testFiles.size() + " file(s); " + setup.describe();
    }

    @Override
    public String title() {
        return "AdaMix compare on " + setup.backbone().backbone().name();
    }

    @Override
    public List<RunResult> train(Sessions session, List<RunConfig> todo, RunFiles files) {
        JavaSparkContext sc = session.sc();
        if (session.localMode()) ExecutorModels.register(setup.backbone().backbone());
        return OneTaskPerRun.train(
                sc,
                todo,
                files,
                ShippedBackbone.of(setup.backbone().backbone(), setup.backbone().tokenizerFiles()),
                data,
                singleRun()::run);
    }

    private SingleRun singleRun() {
        Map<String, AdaptationConfig> adaptations = new LinkedHashMap<>();
        for (String m : methods) adaptations.put(m, TrainSetup.adaptation(setup.command(), m));
        double[] labels = data.train().stream().mapToDouble(TokenizedExample::label).toArray();
        return new SingleRun(
                adaptations,
                TrainSetup.scaledFor(setup.head(), labels),
                TrainSetup.optimizer(setup.command(), 1),
                setup.command().epochs,
                setup.command().batchSize,
                setup.command().recompute,
                metrics().dev());
    }
}
