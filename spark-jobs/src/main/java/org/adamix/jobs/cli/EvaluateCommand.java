package org.adamix.jobs.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.adamix.datasets.DatasetSpec;
import org.adamix.datasets.TaskType;
import org.adamix.jobs.data.DataPreview;
import org.adamix.jobs.data.ShardedData;
import org.adamix.jobs.data.TokenizedExample;
import org.adamix.jobs.eval.Prediction;
import org.adamix.jobs.eval.Predictor;
import org.adamix.jobs.eval.Scores;
import org.adamix.jobs.eval.TrainedModel;
import org.adamix.jobs.spark.BackboneSource;
import org.adamix.jobs.spark.ExecutorModels;
import org.adamix.jobs.spark.FsPaths;
import org.adamix.jobs.spark.HadoopConf;
import org.adamix.jobs.spark.JobInputException;
import org.adamix.jobs.spark.ModelSpec;
import org.adamix.jobs.spark.Sessions;
import org.adamix.jobs.spark.ShippedBackbone;
import org.adamix.jobs.spark.Weights;
import org.adamix.model.HeadConfig;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code adamix evaluate}: distributed scoring of a labelled dataset. */
@Command(
        name = "evaluate",
        mixinStandardHelpOptions = true,
        description = {
            "Scores a trained model on labelled data, distributed over executors: accuracy, F1, MCC",
            "(classification) or Pearson, Spearman (regression). Writes a JSON file."
        })
public final class EvaluateCommand implements Callable<Integer> {
    @Option(
            names = "--data",
            required = true,
            split = ",",
            description = "Labelled data: files, folders or globs.")
    List<String> data;

    @Mixin InferenceOptions run = new InferenceOptions();
    @Mixin DataOptions options = new DataOptions();

    @Mixin GenerationOptions generation = new GenerationOptions();

    @Option(names = "--output", description = "Evaluation JSON (default: <run>/eval.json).")
    String output;

    @Option(
            names = "--run-id",
            description =
                    "Scheduler's id of this attempt, written into the JSON (\"run_id\"): a sensor can tell this evaluation from a stale one.")
    String runId;

    Map<String, Double> scores;

    public Map<String, Double> scores() {
        return scores;
    }

    @Override
    public Integer call() {
        return Failures.run(
                "evaluate",
                System.err,
                () -> {
                    Configuration conf = HadoopConf.driver();
                    if (options.generation()) return evaluateGeneration(conf);
                    try (BackboneSource bb = BackboneSource.open(run.backbone, conf)) {
                        run.check(bb.backbone());
                        TrainedModel tm = run.load(bb.backbone(), conf);
                        DatasetSpec spec;
                        try {
                            spec = options.spec(tm.labels(), true);
                        } catch (IllegalArgumentException e) {
                            throw new JobInputException(e.getMessage(), e);
                        }
                        checkLabels(tm, spec);
                        List<String> files = ShardedData.listFiles(spec, conf, data);
                        DataPreview.check(spec, conf, files, bb.tokenizer(), run.maxLength, 100);
                        try (Sessions s = Sessions.open(run.master, "adamix evaluate")) {
                            List<Prediction> ps =
                                    predict(s, bb, tm, spec, files, run, "evaluating " + data);
                            scores = Scores.of(ps, tm.model().head());
                        }
                        Path out =
                                output != null
                                        ? new Path(output)
                                        : new Path(tm.runDir(), "eval.json");
                        ObjectNode n = new ObjectMapper().createObjectNode();
                        n.put("model", tm.checkpointDir().toString());
                        n.put("method", tm.model().adaptation().method().id);
                        n.put("routing", run.routing().cliName());
                        n.putPOJO("data", data);
                        n.putPOJO("scores", scores);
                        n.put("run_id", runId);
                        FsPaths.writeAtomically(out, n.toPrettyString() + "\n", conf);
                        System.out.println(
                                "evaluated " + tm.checkpointDir() + ": " + scores + " -> " + out);
                        return 0;
                    }
                });
    }

    /** --task generation: BLEU and ROUGE-L of the generations against the grouped references. */
    private int evaluateGeneration(Configuration conf) throws java.io.IOException {
        var bb = org.adamix.jobs.generation.GenerationBackbone.open(run.backbone, conf);
        generation.check(bb);
        var trained = org.adamix.jobs.generation.GenerationModelFolder.load(run.model, bb, conf);
        Path out =
                output != null
                        ? new Path(output)
                        : new Path(new Path(trained.folder()).getParent(), "eval.json");
        DatasetSpec spec;
        try {
            spec = options.generationSpec();
        } catch (IllegalArgumentException e) {
            throw new JobInputException(e.getMessage(), e);
        }
        var refs = org.adamix.jobs.generation.GenerationEvaluation.references(spec, data, conf);
        if (run.batchSize < 1)
            throw new JobInputException("--batch-size must be >= 1, got " + run.batchSize);
        try (Sessions s = Sessions.open(run.master, "adamix evaluate --task generation")) {
            var outcome =
                    org.adamix.jobs.generation.GenerationEvaluation.run(
                            s,
                            bb,
                            trained,
                            generation,
                            run.batchSize,
                            run.workers,
                            refs,
                            data,
                            out,
                            runId,
                            conf);
            scores = outcome.scores();
        }
        System.out.println("evaluated " + trained.folder() + ": " + scores + " -> " + out);
        return 0;
    }

    /**
     * The data's task and label list fit the trained head (the labels are the model's own unless it
     * has none).
     */
    static void checkLabels(TrainedModel tm, DatasetSpec spec) {
        HeadConfig head = tm.model().head();
        String model = "model " + tm.checkpointDir();
        if (head.regression()) {
            if (spec.task() != TaskType.REGRESSION)
                throw new JobInputException(
                        model + " has a regression head: pass --task regression");
            return;
        }
        if (spec.task() == TaskType.REGRESSION)
            throw new JobInputException(
                    model
                            + " has a classification head of "
                            + head.numLabels()
                            + " classes, not --task regression");
        if (spec.labels() == null)
            throw new JobInputException(
                    model
                            + " has no label list: pass --labels with its "
                            + head.numLabels()
                            + " class names in index order");
        if (spec.labels().size() != head.numLabels())
            throw new JobInputException(
                    "--labels "
                            + String.join(",", spec.labels().labels())
                            + ": "
                            + spec.labels().size()
                            + " labels but the head of "
                            + model
                            + " has "
                            + head.numLabels()
                            + " classes");
    }

    /** Reads, tokenizes and predicts on executors; predictions come back to the driver. */
    static List<Prediction> predict(
            Sessions s,
            BackboneSource bb,
            TrainedModel tm,
            DatasetSpec spec,
            List<String> files,
            InferenceOptions run,
            String description) {
        return predictions(s, bb, tm, spec, files, run, description).collect();
    }

    static JavaRDD<Prediction> predictions(
            Sessions s,
            BackboneSource bb,
            TrainedModel tm,
            DatasetSpec spec,
            List<String> files,
            InferenceOptions run,
            String description) {
        int maxLength = run.maxLength, batchSize = run.batchSize;
        Integer workers = run.workers;
        JavaSparkContext sc = s.sc();
        sc.setJobDescription(description);
        int n = workers != null ? workers : sc.defaultParallelism();
        if (s.localMode()) ExecutorModels.register(bb.backbone());
        Broadcast<ShippedBackbone> shipped =
                sc.broadcast(ShippedBackbone.of(bb.backbone(), bb.tokenizerFiles()));
        Broadcast<Weights> weights = sc.broadcast(tm.weights());
        JavaRDD<TokenizedExample> examples =
                ShardedData.load(
                        sc,
                        spec,
                        new HadoopConf(sc.hadoopConfiguration()),
                        files,
                        shipped,
                        maxLength,
                        tm.model().seed(),
                        n);
        ModelSpec ms = tm.spec();
        Predictor p = new Predictor(ms, batchSize, run.routing());
        return examples.mapPartitions(
                it -> p.run(it, weights.value(), shipped.value()).iterator(), true);
    }
}
