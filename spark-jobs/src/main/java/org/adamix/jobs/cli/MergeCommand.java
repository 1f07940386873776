package org.adamix.jobs.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.util.concurrent.Callable;
import org.adamix.jobs.eval.TrainedModel;
import org.adamix.jobs.spark.BackboneSource;
import org.adamix.jobs.spark.FsPaths;
import org.adamix.jobs.spark.Sessions;
import org.adamix.jobs.train.TrainJob;
import org.adamix.model.AdaMixModel;
import org.adamix.model.export.Exporter;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code adamix merge}: averages each AdaMix mixture's experts into one module (AdaMix §3.3). */
@Command(
        name = "merge",
        mixinStandardHelpOptions = true,
        description = {
            "Merges a trained mixture into a single adapter/LoRA module (expert weights averaged): the merged",
            "model computes what the mixture computes at inference, at one module's cost. Writes <run>/merged/",
            "and the exports: <run>/peft/ (LoRA methods, Hugging Face PEFT layout) and <run>/full/ (merged full",
            "model as a Hugging Face folder; LoRA folded into the weights where the method allows)."
        })
public final class MergeCommand implements Callable<Integer> {
    @Option(
            names = "--model",
            required = true,
            description = "A train output folder or its mixture/ folder (any Hadoop URI).")
    String model;

    @Option(
            names = "--backbone",
            required = true,
            description = "The backbone the model was trained on.")
    String backbone;

    @Option(
            names = "--output",
            description = "Folder for merged/, peft/, full/ (default: the run folder).")
    String output;

    @Option(
            names = "--master",
            description = "Spark master (default: spark-submit's, else local[*]).")
    String master;

    @Option(
            names = "--run-id",
            description =
                    "Scheduler's id of this attempt, written into <output>/merge.json (\"run_id\"), which is written after the folders.")
    String runId;

    public static final String MARKER = "merge.json";

    @Override
    public Integer call() {
        return Failures.run(
                "merge",
                System.err,
                () -> {
                    // A Spark context even though merging is driver-only: YARN cluster mode fails
                    // an
                    // application master whose driver never creates one.
                    try (Sessions spark = Sessions.open(master, "adamix merge");
                            BackboneSource bb =
                                    BackboneSource.open(
                                            backbone, spark.sc().hadoopConfiguration())) {
                        Configuration conf = spark.sc().hadoopConfiguration();
                        TrainedModel tm = TrainedModel.load(model, bb.backbone(), conf, false);
                        Path target = output != null ? new Path(output) : tm.runDir();
                        java.nio.file.Path tmp = Files.createTempDirectory("adamix-merge-");
                        Exporter.Exported exported;
                        try {
                            exported =
                                    Exporter.exportAll(
                                            tm.model(),
                                            tmp.resolve("export"),
                                            tm.labels() == null ? null : tm.labels().labels());
                            for (java.nio.file.Path part :
                                    new java.nio.file.Path[] {
                                        exported.merged(), exported.peft(), exported.full()
                                    })
                                if (part != null)
                                    FsPaths.publishFolder(
                                            part,
                                            new Path(target, part.getFileName().toString()),
                                            conf);
                        } finally {
                            FsPaths.deleteLocal(tmp);
                        }
                        // last: a sensor that finds this attempt's run id here knows the folders
                        // above are complete
                        ObjectNode marker = new ObjectMapper().createObjectNode();
                        marker.put("model", tm.checkpointDir().toString());
                        marker.put("method", tm.model().adaptation().method().id);
                        marker.put("run_id", runId);
                        FsPaths.writeAtomically(
                                new Path(target, MARKER), marker.toPrettyString() + "\n", conf);
                        Path success = new Path(tm.runDir(), TrainJob.SUCCESS);
                        if (output == null && success.getFileSystem(conf).exists(success))
                            FsPaths.writeAtomically(success, new byte[0], conf);
                        AdaMixModel merged = tm.model().merge(false);
                        System.out.printf(
                                "merged %s (%s, %,d trainable values) into %s/merged (%s, %,d)%s%s%n",
                                tm.checkpointDir(),
                                tm.model().adaptation().method().id,
                                tm.model().trainableParams().length(),
                                target,
                                merged.adaptation().method().id,
                                merged.trainableParams().length(),
                                exported.peft() != null ? ", PEFT export in peft/" : "",
                                exported.folded()
                                        ? ", full model (LoRA folded) in full/"
                                        : ", backbone + merged adapter in full/");
                        return 0;
                    }
                });
    }
}
