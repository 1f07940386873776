package org.adamix.jobs.eval;

import java.io.IOException;
import java.nio.file.Files;
import org.adamix.datasets.LabelList;
import org.adamix.jobs.spark.FsPaths;
import org.adamix.jobs.spark.JobInputException;
import org.adamix.jobs.spark.ModelSpec;
import org.adamix.jobs.spark.Weights;
import org.adamix.model.AdaMixModel;
import org.adamix.model.HeadConfig;
import org.adamix.model.checkpoint.Backbone;
import org.adamix.model.checkpoint.CheckpointException;
import org.adamix.model.io.AdapterCheckpoint;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A trained model named by {@code --model}: a train output folder (its {@code merged/} if present
 * and preferred, else {@code mixture/}) or an {@link AdapterCheckpoint} folder itself, on any file
 * system.
 */
public record TrainedModel(Path runDir, Path checkpointDir, AdaMixModel model, LabelList labels) {

    public static TrainedModel load(
            String uri, Backbone backbone, Configuration conf, boolean preferMerged)
            throws IOException {
        Path p = new Path(uri);
        FileSystem fs = p.getFileSystem(conf);
        p = fs.makeQualified(p);
        if (!fs.exists(p)) throw new JobInputException("model does not exist: " + p);
        Path ckpt, run;
        if (fs.exists(new Path(p, AdapterCheckpoint.CONFIG))) {
            ckpt = p;
            run = p.getParent();
        } else if (preferMerged && fs.exists(new Path(p, "merged/" + AdapterCheckpoint.CONFIG))) {
            ckpt = new Path(p, "merged");
            run = p;
        } else if (fs.exists(new Path(p, "mixture/" + AdapterCheckpoint.CONFIG))) {
            ckpt = new Path(p, "mixture");
            run = p;
        } else {
            throw new JobInputException(
                    "model "
                            + p
                            + " is neither a train output (mixture/) nor a checkpoint folder ("
                            + AdapterCheckpoint.CONFIG
                            + ")");
        }
        java.nio.file.Path tmp = Files.createTempDirectory("adamix-model-");
        java.nio.file.Path local = null;
        try {
            local = FsPaths.copyToLocal(ckpt, tmp, conf);
            AdapterCheckpoint.Config c = AdapterCheckpoint.readConfig(local);
            AdaMixModel m = AdapterCheckpoint.load(local, backbone);
            LabelList labels = c.labels() == null ? null : LabelList.of(c.labels());
            HeadConfig head = m.head();
            if (labels != null && (head.regression() || labels.size() != head.numLabels()))
                throw new JobInputException(
                        new Path(ckpt, AdapterCheckpoint.CONFIG)
                                + ": "
                                + labels.size()
                                + " labels "
                                + labels.labels()
                                + " but the head has "
                                + (head.regression()
                                        ? "one regression output"
                                        : head.numLabels() + " classes"));
            return new TrainedModel(run, ckpt, m, labels);
        } catch (CheckpointException e) {
            // the message names the local copy: name the checkpoint the user gave instead
            String m =
                    local == null
                            ? e.getMessage()
                            : e.getMessage().replace(local.toString(), ckpt.toString());
            throw new JobInputException(m, e);
        } finally {
            FsPaths.deleteLocal(tmp);
        }
    }

    public ModelSpec spec() {
        return ModelSpec.of(model);
    }

    public Weights weights() {
        return Weights.of(model);
    }
}
