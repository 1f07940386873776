package org.adamix.jobs.compare;

import java.io.IOException;
import java.io.Serializable;
import org.adamix.jobs.spark.FsPaths;
import org.adamix.jobs.spark.HadoopConf;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * {@code runs/<method>-lr<lr>-seed<seed>.json}: one file per finished run, written atomically by
 * the task that trained it, so an interrupted comparison keeps every run that finished and a rerun
 * skips them.
 */
public final class RunFiles implements Serializable {
    public static final String DIR = "runs";

    private final String dir;
    private final HadoopConf conf;

    public RunFiles(Path output, HadoopConf conf) {
        this.dir = new Path(output, DIR).toString();
        this.conf = conf;
    }

    public Path path(RunConfig c) {
        return new Path(dir, c.name() + ".json");
    }

    public void save(RunResult r) throws IOException {
        FsPaths.writeAtomically(path(r.config()), r.toJson().toPrettyString() + "\n", conf.get());
    }

    /**
     * The finished run of {@code c}, or null if it has not finished (or its file is not one of this
     * grid's).
     */
    public RunResult load(RunConfig c) throws IOException {
        Path p = path(c);
        FileSystem fs = FsPaths.fs(p, conf.get());
        if (!fs.exists(p)) return null;
        RunResult r = RunResult.fromJson(FsPaths.read(p, conf.get()));
        return r.config().equals(c) ? r : null;
    }
}
