package org.adamix.jobs.compare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.adamix.jobs.spark.FsPaths;
import org.adamix.jobs.spark.HadoopConf;
import org.adamix.jobs.spark.Sessions;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver of {@code adamix compare}: checks the output, reads and tokenizes the data once,
 * broadcasts it with the backbone, and runs every unfinished configuration of the grid as one Spark
 * task (one partition each, so N executors train N configurations at once). Then it writes
 * compare.json, compare.md and compare.png, and {@code _SUCCESS} last.
 */
public final class CompareJob {
    private static final Logger LOG = LoggerFactory.getLogger(CompareJob.class);
    public static final String SUCCESS = "_SUCCESS";

    /** The settings and grid of the comparison in an output, written before the first run. */
    public static final String ARGUMENTS = "arguments.json";

    private final ComparisonTask task;
    private final Path output;
    private final Configuration conf;
    private final List<String> methods;
    private final List<Long> seeds;
    private final List<Double> lrs;

    /**
     * Methods with learning rates of their own (--lr-for), e.g. full fine-tuning's far smaller
     * ones.
     */
    private final Map<String, List<Double>> lrFor;

    /**
     * What a comparison ended with; {@code ranNow} names the runs this invocation trained (the
     * others were finished before).
     */
    public record Result(List<RunResult> runs, List<String> ranNow, Summary summary, Path output) {
        public String summaryLine() {
            StringBuilder b =
                    new StringBuilder(
                            String.format(
                                    "compared %d runs (%d trained now) -> %s;",
                                    runs.size(), ranNow.size(), output));
            for (Summary.MethodRow r : summary.methods())
                b.append(' ')
                        .append(r.method())
                        .append(" ")
                        .append(CompareTable.stat(summary.hasTest() ? r.test() : r.dev()))
                        .append(';');
            return b.toString();
        }
    }

    public CompareJob(
            ComparisonTask task,
            Path output,
            Configuration conf,
            List<String> methods,
            List<Long> seeds,
            List<Double> lrs,
            Map<String, List<Double>> lrFor) {
        this.task = task;
        this.output = output;
        this.conf = conf;
        this.methods = List.copyOf(methods);
        this.seeds = List.copyOf(seeds);
        this.lrs = List.copyOf(lrs);
        this.lrFor = new LinkedHashMap<>(lrFor);
    }

    /** The learning rates tried for a method: its own (--lr-for) or the common ones (--lr). */
    List<Double> lrs(String method) {
        return lrFor.getOrDefault(method, lrs);
    }

    /** Method-major, then lr, then seed: the order of compare.json. */
    public List<RunConfig> grid() {
        List<RunConfig> g = new ArrayList<>();
        for (String m : methods)
            for (double lr : lrs(m)) for (long s : seeds) g.add(new RunConfig(m, s, lr));
        return g;
    }

    public String describe() {
        return String.format(
                "compare: %d configurations (%d methods %s × %d seeds %s × lr %s%s), metric %s; %s",
                grid().size(),
                methods.size(),
                methods,
                seeds.size(),
                seeds,
                lrs,
                lrFor.isEmpty() ? "" : ", own lr " + lrFor,
                task.metrics(),
                task.describe());
    }

    /**
     * What must match for an output to be continued: everything but the grid. A finished output
     * ({@code _SUCCESS}) must match in the grid too.
     */
    ObjectNode arguments() {
        ObjectNode settings = task.settings();
        ObjectNode grid = RunResult.JSON.createObjectNode();
        grid.putPOJO("methods", methods);
        grid.putPOJO("seeds", seeds);
        grid.putPOJO("lrs", lrs);
        if (!lrFor.isEmpty()) grid.putPOJO("lrs_by_method", lrFor);
        ObjectNode n = RunResult.JSON.createObjectNode();
        n.set("settings", settings);
        n.set("grid", grid);
        try {
            return (ObjectNode)
                    RunResult.JSON.readTree(
                            n.toString()); // plain JSON values, comparable with a file's
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Refuses an output this comparison must not write into (before Spark starts); nothing is
     * written here.
     */
    public void checkOutput() throws IOException {
        checkOutput(arguments());
    }

    private void checkOutput(ObjectNode arguments) throws IOException {
        Path out = output;
        if (FsPaths.absentOrEmpty(out, conf)) return;
        FileSystem fs = FsPaths.fs(out, conf);
        Path args = new Path(out, ARGUMENTS);
        if (!fs.exists(args))
            throw new org.adamix.jobs.spark.JobInputException(
                    "output "
                            + out
                            + " is not empty and holds no comparison (no "
                            + ARGUMENTS
                            + "): choose another --output");
        JsonNode previous = RunResult.JSON.readTree(FsPaths.read(args, conf));
        String diff = firstDifference(arguments.get("settings"), previous.get("settings"));
        if (diff != null)
            throw new org.adamix.jobs.spark.JobInputException(
                    "output "
                            + out
                            + " holds a comparison with other settings ("
                            + diff
                            + "): rerun with its arguments to continue it, or choose another --output");
        if (fs.exists(new Path(out, SUCCESS))) {
            diff = firstDifference(arguments.get("grid"), previous.get("grid"));
            if (diff != null)
                throw new org.adamix.jobs.spark.JobInputException(
                        "output "
                                + out
                                + " holds a finished comparison of other arguments ("
                                + diff
                                + "): choose another --output");
        }
    }

    /** "key: now X, was Y" for the first differing field, or null when equal. */
    static String firstDifference(JsonNode now, JsonNode was) {
        if (now.equals(was)) return null;
        for (var it = now.fields(); it.hasNext(); ) {
            var e = it.next();
            JsonNode w = was == null ? null : was.get(e.getKey());
            if (!e.getValue().equals(w)) return e.getKey() + ": now " + e.getValue() + ", was " + w;
        }
        return "fields differ";
    }

    public Result run(Sessions session) throws IOException {
        ObjectNode arguments = arguments();
        checkOutput(arguments);
        Path out = output;
        RunFiles files = new RunFiles(out, new HadoopConf(session.sc().hadoopConfiguration()));
        List<RunConfig> grid = grid();
        Map<RunConfig, RunResult> done = new LinkedHashMap<>();
        for (RunConfig c : grid) {
            RunResult r = files.load(c);
            if (r != null) done.put(c, r);
        }
        List<RunConfig> todo = grid.stream().filter(c -> !done.containsKey(c)).toList();
        FsPaths.fs(out, conf).mkdirs(out);
        FsPaths.writeAtomically(new Path(out, ARGUMENTS), arguments.toPrettyString() + "\n", conf);
        LOG.info(
                "{} configurations, {} finished before, {} to train; {}",
                grid.size(),
                done.size(),
                todo.size(),
                task.sizes());

        List<String> ranNow = new ArrayList<>();
        if (!todo.isEmpty())
            for (RunResult r : task.train(session, todo, files)) {
                done.put(r.config(), r);
                ranNow.add(r.config().name());
            }
        List<RunResult> runs = grid.stream().map(done::get).toList();
        Summary summary = Summary.of(methods, this::lrs, runs, task.metrics(), task.hasTest());
        publish(out, conf, arguments, runs, summary);
        return new Result(runs, ranNow, summary, out);
    }

    private void publish(
            Path out, Configuration conf, ObjectNode arguments, List<RunResult> runs, Summary s)
            throws IOException {
        String title = task.title();
        ObjectNode n = RunResult.JSON.createObjectNode();
        n.set("arguments", arguments);
        n.put("metric", s.metric());
        n.put("test_metric", s.testMetric());
        n.put("lower_is_better", s.metrics().lowerIsBetter());
        ArrayNode summary = n.putArray("summary");
        for (Summary.MethodRow r : s.methods()) {
            ObjectNode row = summary.addObject();
            row.put("method", r.method());
            row.put("best_lr", r.bestLr());
            putStat(row, "dev", r.dev());
            if (s.hasTest()) putStat(row, "test", r.test());
            row.put("trainable_parameters", r.trainableParameters());
            row.put("merged_parameters", r.mergedParameters());
        }
        ArrayNode rs = n.putArray("runs");
        for (RunResult r : runs) rs.add(r.toJson());
        FsPaths.writeAtomically(new Path(out, "compare.json"), n.toPrettyString() + "\n", conf);
        FsPaths.writeAtomically(new Path(out, "compare.md"), CompareTable.markdown(s, title), conf);
        FsPaths.writeAtomically(new Path(out, "compare.png"), ComparePlot.png(s, title), conf);
        FsPaths.writeAtomically(new Path(out, SUCCESS), new byte[0], conf);
    }

    private static void putStat(ObjectNode row, String split, Summary.Stat st) {
        RunResult.put(row, split + "_mean", st.mean());
        RunResult.put(row, split + "_std", st.std());
    }
}
