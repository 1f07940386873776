package org.adamix.jobs.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.concurrent.Callable;
import org.adamix.datasets.DatasetSpec;
import org.adamix.datasets.LabelList;
import org.adamix.jobs.data.DataPreview;
import org.adamix.jobs.data.ShardedData;
import org.adamix.jobs.eval.Prediction;
import org.adamix.jobs.eval.TrainedModel;
import org.adamix.jobs.spark.BackboneSource;
import org.adamix.jobs.spark.FsPaths;
import org.adamix.jobs.spark.HadoopConf;
import org.adamix.jobs.spark.JobInputException;
import org.adamix.jobs.spark.Sessions;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code adamix predict}: batch inference to JSON Lines. */
@Command(
        name = "predict",
        mixinStandardHelpOptions = true,
        description = {
            "Batch inference: one JSON line per input example with its id and the predicted label and",
            "class probabilities (or value, for regression). The output folder appears complete, with _SUCCESS."
        })
public final class PredictCommand implements Callable<Integer> {
    @Option(
            names = "--input",
            required = true,
            split = ",",
            description = "Input data: files, folders or globs (labels not needed).")
    List<String> input;

    @Mixin InferenceOptions run = new InferenceOptions();
    @Mixin DataOptions options = new DataOptions();

    @Option(
            names = "--output",
            required = true,
            description = "Output folder for part-* JSON Lines; must not exist.")
    String output;

    @Override
    public Integer call() {
        return Failures.run(
                "predict",
                System.err,
                () -> {
                    Configuration conf = HadoopConf.driver();
                    Path out = FsPaths.newOutput(output, conf);
                    try (BackboneSource bb = BackboneSource.open(run.backbone, conf)) {
                        run.check(bb.backbone());
                        TrainedModel tm = run.load(bb.backbone(), conf);
                        DatasetSpec spec;
                        try {
                            spec = options.spec(null, false);
                        } catch (IllegalArgumentException e) {
                            throw new JobInputException(e.getMessage(), e);
                        }
                        List<String> files = ShardedData.listFiles(spec, conf, input);
                        DataPreview.check(spec, conf, files, bb.tokenizer(), run.maxLength, 100);
                        LabelList labels = tm.labels();
                        boolean regression = tm.model().head().regression();
                        try (Sessions s = Sessions.open(run.master, "adamix predict")) {
                            FsPaths.saveText(
                                    EvaluateCommand.predictions(
                                                    s,
                                                    bb,
                                                    tm,
                                                    spec,
                                                    files,
                                                    run,
                                                    "predicting " + input)
                                            .map(p -> line(p, labels, regression)),
                                    out,
                                    conf);
                        }
                        System.out.println(
                                "predictions of " + tm.checkpointDir() + " written to " + out);
                        return 0;
                    }
                });
    }

    static String line(Prediction p, LabelList labels, boolean regression) {
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.put("id", p.id());
        if (regression) {
            n.put("prediction", p.outputs()[0]);
        } else {
            double[] prob = p.probabilities();
            int c = p.predictedClass();
            n.put("label", labels == null ? Integer.toString(c) : labels.get(c));
            ObjectNode probs = n.putObject("probabilities");
            for (int i = 0; i < prob.length; i++)
                probs.put(labels == null ? Integer.toString(i) : labels.get(i), prob[i]);
        }
        return n.toString();
    }
}
