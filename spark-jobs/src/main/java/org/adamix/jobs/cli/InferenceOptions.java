package org.adamix.jobs.cli;

import org.adamix.jobs.eval.TrainedModel;
import org.adamix.jobs.spark.JobInputException;
import org.adamix.model.BertConfig;
import org.adamix.model.adamix.Router;
import org.adamix.model.checkpoint.Backbone;
import picocli.CommandLine.Option;

/** What evaluate and predict share: the trained model, its backbone, and how inference runs. */
public final class InferenceOptions {
    @Option(
            names = "--model",
            required = true,
            description =
                    "Train output folder (merged/ if present, else mixture/) or a checkpoint folder.")
    String model;

    @Option(
            names = "--backbone",
            required = true,
            description = "The backbone the model was trained on.")
    String backbone;

    @Option(
            names = "--max-length",
            defaultValue = "128",
            description = "Tokens per example (default ${DEFAULT-VALUE}).")
    int maxLength;

    @Option(
            names = "--batch-size",
            defaultValue = "32",
            description = "Examples per inference batch (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--workers", description = "Partitions (default: Spark's default parallelism).")
    Integer workers;

    @Option(
            names = "--master",
            description = "Spark master (default: spark-submit's, else local[*]).")
    String master;

    @Option(
            names = "--routing",
            defaultValue = "average",
            description = {
                "How a mixture evaluates (the paper's ablation, the authors' inference_level): average = expert weights",
                "averaged, exactly the merged model (default); sequence = a random down and up expert per sequence;",
                "token = per token. sequence and token read the run's mixture/, not merged/."
            })
    String routing;

    /** --routing, checked. */
    Router.Evaluation routing() {
        try {
            return Router.Evaluation.of(routing);
        } catch (IllegalArgumentException e) {
            throw new JobInputException("--routing: " + e.getMessage());
        }
    }

    /** The model to run: merged/ when it exists and the routing averages, else the mixture. */
    TrainedModel load(Backbone backbone, org.apache.hadoop.conf.Configuration conf)
            throws java.io.IOException {
        Router.Evaluation r = routing();
        TrainedModel tm = TrainedModel.load(model, backbone, conf, r == Router.Evaluation.AVERAGE);
        if (r != Router.Evaluation.AVERAGE && !tm.model().adaptation().method().mixture())
            throw new JobInputException(
                    "--routing "
                            + routing
                            + " needs a mixture; "
                            + tm.checkpointDir()
                            + " holds "
                            + tm.model().adaptation().method().id);
        return tm;
    }

    /**
     * The options against the backbone, on the driver: a bad value must not surface as a failed
     * task.
     */
    void check(Backbone backbone) {
        BertConfig bert = backbone.config();
        int maxPositions = bert.maxPositions() - bert.positionOffset();
        if (maxLength < 4 || maxLength > maxPositions)
            throw new JobInputException(
                    "--max-length "
                            + maxLength
                            + " must be in [4, "
                            + maxPositions
                            + "] (the backbone's positions)");
        if (batchSize < 1)
            throw new JobInputException("--batch-size must be >= 1, got " + batchSize);
        if (workers != null && workers < 1)
            throw new JobInputException("--workers must be >= 1, got " + workers);
    }
}
