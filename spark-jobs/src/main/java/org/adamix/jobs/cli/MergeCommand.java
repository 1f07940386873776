package org.adamix.jobs.cli;

import org.adamix.jobs.eval.TrainedModel;
import org.adamix.jobs.spark.BackboneSource;
import org.adamix.jobs.spark.FsPaths;
import org.adamix.jobs.train.TrainJob;
import org.adamix.model.AdaMixModel;
import org.adamix.model.io.AdapterCheckpoint;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.util.concurrent.Callable;

/** {@code adamix merge}: averages each AdaMix mixture's experts into one module (AdaMix §3.3). */
@Command(name = "merge", mixinStandardHelpOptions = true,
        description = {"Merges a trained mixture into a single adapter/LoRA module (expert weights averaged): the merged",
                "model computes what the mixture computes at inference, at one module's cost. Writes <run>/merged/."})
public final class MergeCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "A train output folder or its mixture/ folder (any Hadoop URI).")
    String model;
    @Option(names = "--backbone", required = true, description = "The backbone the model was trained on.")
    String backbone;
    @Option(names = "--output", description = "Where to write the merged checkpoint (default: <run>/merged).")
    String output;

    @Override
    public Integer call() {
        return Failures.run("merge", System.err, () -> {
            Configuration conf = new Configuration();
            try (BackboneSource bb = BackboneSource.open(backbone, conf)) {
                TrainedModel tm = TrainedModel.load(model, bb.backbone(), conf, false);
                AdaMixModel merged = tm.model().merge(false);
                Path target = output != null ? new Path(output) : new Path(tm.runDir(), "merged");
                java.nio.file.Path tmp = Files.createTempDirectory("adamix-merge-");
                try {
                    AdapterCheckpoint.save(merged, tmp.resolve("merged"), false, tm.labels() == null ? null : tm.labels().labels());
                    FsPaths.publishFolder(tmp.resolve("merged"), target, conf);
                } finally {
                    FsPaths.deleteLocal(tmp);
                }
                Path success = new Path(tm.runDir(), TrainJob.SUCCESS);
                if (output == null && success.getFileSystem(conf).exists(success)) FsPaths.writeAtomically(success, new byte[0], conf);
                System.out.printf("merged %s (%s, %,d trainable values) into %s (%s, %,d)%n", tm.checkpointDir(),
                        tm.model().adaptation().method().id, tm.model().trainableParams().length(), target,
                        merged.adaptation().method().id, merged.trainableParams().length());
                return 0;
            }
        });
    }
}
