package org.adamix.datasets.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.adamix.datasets.DatasetReader;
import org.adamix.datasets.DatasetSpec;
import org.adamix.datasets.Example;
import org.adamix.datasets.InputFiles;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * Read throughput: reads a dataset several times end to end and prints rows/s and MB/s (of the
 * files as stored) per pass. Not a unit test; run it on real data, e.g. the prepared IMDB train
 * split:
 *
 * <pre>bin/datasets-java org.adamix.datasets.bench.ReadBench data/imdb/train.jsonl</pre>
 *
 * Options: {@code --passes N} (default 5, the first is warm-up), and {@code --opt key=value} for
 * {@link DatasetSpec#fromOptions} (default: the IMDB split spec, jsonl with text/label/id and
 * labels neg,pos), {@code --conf key=value} for the Hadoop Configuration.
 */
public final class ReadBench {
    private ReadBench() {}

    public static void main(String[] args) throws IOException {
        int passes = 5;
        Map<String, String> options = new LinkedHashMap<>();
        Map<String, String> hadoop = new LinkedHashMap<>();
        List<String> paths = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--passes")) {
                passes = Integer.parseInt(args[++i]);
            } else if (args[i].equals("--opt")) {
                String[] kv = args[++i].split("=", 2);
                options.put(kv[0], kv[1]);
            } else if (args[i].equals("--conf")) {
                String[] kv = args[++i].split("=", 2);
                hadoop.put(kv[0], kv[1]);
            } else {
                paths.add(args[i]);
            }
        }
        if (paths.isEmpty() || passes < 1) {
            System.err.println(
                    "usage: ReadBench [--passes N] [--opt key=value]... [--conf hadoop.key=value]... PATH...");
            System.exit(2);
        }
        if (options.isEmpty()) {
            options.putAll(
                    Map.of(
                            "format", "jsonl", "text", "text", "label", "label", "id", "id",
                            "labels", "neg,pos"));
        }
        DatasetSpec spec = DatasetSpec.fromOptions(options);
        Configuration conf = new Configuration();
        hadoop.forEach(conf::set);
        long bytes = 0;
        for (Path p : InputFiles.list(conf, paths)) {
            bytes += p.getFileSystem(conf).getFileStatus(p).getLen();
        }
        System.out.printf(
                Locale.ROOT,
                "reading %s (%.1f MB on disk) with %s, %d passes, %d cores%n",
                paths,
                bytes / 1e6,
                options,
                passes,
                Runtime.getRuntime().availableProcessors());
        double[] rates = new double[passes];
        for (int pass = 0; pass < passes; pass++) {
            long start = System.nanoTime();
            long rows = 0;
            long chars = 0; // consumed so the JIT cannot drop the work
            try (DatasetReader r = DatasetReader.open(spec, conf, paths)) {
                while (r.hasNext()) {
                    Example e = r.next();
                    rows++;
                    chars += e.textA().length() + e.id().length() + e.label();
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            rates[pass] = rows / seconds;
            System.out.printf(
                    Locale.ROOT,
                    "pass %d%s: %d rows in %.3f s = %,.0f rows/s, %.1f MB/s (%d chars)%n",
                    pass + 1,
                    pass == 0 && passes > 1 ? " (warm-up)" : "",
                    rows,
                    seconds,
                    rates[pass],
                    bytes / 1e6 / seconds,
                    chars);
        }
        double[] measured = passes > 1 ? Arrays.copyOfRange(rates, 1, passes) : rates;
        Arrays.sort(measured);
        System.out.printf(
                Locale.ROOT,
                "median %,.0f rows/s, best %,.0f rows/s%n",
                measured[measured.length / 2],
                measured[measured.length - 1]);
    }
}
