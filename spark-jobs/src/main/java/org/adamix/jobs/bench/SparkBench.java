package org.adamix.jobs.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.adamix.datasets.DatasetReader;
import org.adamix.datasets.DatasetSpec;
import org.adamix.datasets.Format;
import org.adamix.datasets.LabelList;
import org.adamix.jobs.cli.TrainCommand;
import org.adamix.jobs.data.BatchMaker;
import org.adamix.jobs.data.ExampleEncoder;
import org.adamix.jobs.data.TokenizedExample;
import org.adamix.jobs.spark.BackboneSource;
import org.adamix.jobs.spark.HadoopConf;
import org.adamix.jobs.train.Traffic;
import org.adamix.jobs.train.TrainJob;
import org.adamix.model.AdaMixModel;
import org.adamix.model.AdaptationConfig;
import org.adamix.model.HeadConfig;
import org.adamix.model.Method;
import org.adamix.model.OptimizerConfig;
import org.apache.hadoop.conf.Configuration;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Not a test: training throughput of the Spark job (local[N], N = --workers, one thread per task)
 * against the in-process loop ({@code AdaMixModel.fit} of one model with ND4J on N threads: the
 * same N cores) on the same machine and data, and the bytes each averaging round moves. Prints a
 * table.
 *
 * <pre>
 * java -cp job.jar:spark-classpath org.adamix.jobs.bench.SparkBench --backbone data/minilm --train data/imdb/train.jsonl
 * </pre>
 */
@Command(name = "spark-bench", mixinStandardHelpOptions = true)
public final class SparkBench implements Callable<Integer> {
    @Option(names = "--backbone", required = true)
    String backbone;

    @Option(names = "--train", required = true)
    String train;

    @Option(names = "--rows", defaultValue = "256")
    int rows;

    @Option(names = "--workers", defaultValue = "2")
    int workers;

    @Option(names = "--batch-size", defaultValue = "8")
    int batch;

    @Option(names = "--local-steps", defaultValue = "4")
    int localSteps;

    @Option(names = "--max-length", defaultValue = "64")
    int maxLength;

    @Option(names = "--method", defaultValue = "adamix-adapter")
    String method;

    public static void main(String[] args) {
        org.adamix.jobs.AdaMix.end(new CommandLine(new SparkBench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Path dir = Files.createTempDirectory("adamix-bench-");
        Path data = dir.resolve("train.jsonl");
        try (var r = Files.newBufferedReader(Path.of(train))) {
            List<String> lines = new ArrayList<>();
            for (String l; lines.size() < rows && (l = r.readLine()) != null; ) lines.add(l);
            Files.write(data, lines);
        }
        // in-process loop: one model on --workers threads, the same per-step batch the job uses per
        // worker
        double inProcess;
        LabelList labels;
        Configuration conf = HadoopConf.driver();
        try (BackboneSource bb = BackboneSource.open(backbone, conf)) {
            ExampleEncoder enc = new ExampleEncoder(bb.tokenizer(), maxLength);
            List<TokenizedExample> all = new ArrayList<>();
            // the data's own labels (IMDB's are neg/pos; any JSON Lines text/label data works)
            DatasetSpec unlabelled =
                    DatasetSpec.builder(Format.JSONL).text("text").label("label").build();
            labels = org.adamix.datasets.LabelCollector.collect(unlabelled, conf, data.toString());
            DatasetSpec spec = unlabelled.withLabels(labels);
            try (DatasetReader r = DatasetReader.open(spec, conf, data.toString())) {
                while (r.hasNext()) all.add(enc.encode(r.next()));
            }
            HeadConfig head = HeadConfig.classification(labels.size());
            AdaMixModel m =
                    AdaMixModel.build(
                            bb.backbone(),
                            AdaptationConfig.of(Method.of(method), 16),
                            head,
                            OptimizerConfig.paper(5e-4, 1000),
                            42);
            Nd4j.getEnvironment().setMaxThreads(workers);
            int steps = Math.min(all.size() / batch, 3 * workers * 4), warm = 2;
            long t0 = 0;
            for (int s = 0; s < warm + steps; s++) {
                if (s == warm) t0 = System.nanoTime();
                m.fit(
                        BatchMaker.of(
                                all.subList(
                                        (s * batch) % (all.size() - batch),
                                        (s * batch) % (all.size() - batch) + batch),
                                head,
                                true));
            }
            inProcess = steps * batch / ((System.nanoTime() - t0) / 1e9);
        }
        TrainCommand cmd = new TrainCommand();
        int code =
                new CommandLine(cmd)
                        .execute(
                                "--backbone",
                                backbone,
                                "--train",
                                data.toString(),
                                "--labels",
                                String.join(",", labels.labels()),
                                "--method",
                                method,
                                "--workers",
                                "" + workers,
                                "--batch-size",
                                "" + batch,
                                "--local-steps",
                                "" + localSteps,
                                "--epochs",
                                "1",
                                "--max-length",
                                "" + maxLength,
                                "--master",
                                "local[" + workers + "]",
                                "--output",
                                dir.resolve("run").toString());
        if (code != 0) return code;
        TrainJob.Result r = cmd.result();
        Traffic t = r.traffic().get(r.traffic().size() - 1);
        System.out.printf("%n%-34s %14s%n", "", "examples/s");
        System.out.printf("%-34s %14.1f%n", "in-process loop (" + workers + " threads)", inProcess);
        System.out.printf(
                "%-34s %14.1f   (%.2fx)%n",
                "spark local[" + workers + "], " + workers + " workers, K=" + localSteps,
                r.examplesPerSecond(),
                r.examplesPerSecond() / inProcess);
        System.out.printf(
                "%nbytes per round (Spark's count): driver broadcast %,d, driver received %,d, shuffle %,d; "
                        + "estimated %,d down + %,d up (budget %,d per direction, within: %s); full-parameter averaging: %,d "
                        + "(%.0fx more)%n",
                t.measured().broadcastBytes(),
                t.measured().resultBytes(),
                t.measured().shuffleReadBytes(),
                t.estimatedDown(),
                t.estimatedUp(),
                t.budget(),
                t.withinBudget(),
                2 * t.fullParameter(),
                2.0 * t.fullParameter() / (t.estimatedDown() + t.estimatedUp()));
        return 0;
    }
}
