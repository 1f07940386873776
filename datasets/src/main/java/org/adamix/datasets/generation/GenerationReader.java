package org.adamix.datasets.generation;

import java.io.Closeable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.adamix.datasets.DatasetReader;
import org.adamix.datasets.DatasetSpec;
import org.adamix.datasets.Example;
import org.adamix.datasets.Format;
import org.adamix.datasets.ReadReport;
import org.apache.hadoop.conf.Configuration;

/**
 * Streams the source → target pairs of a generation dataset. It is a {@link DatasetReader} whose
 * spec reads the source as its text column and the target as its pair column, so every format, path
 * form, compression, bad-row policy and message of the classification readers applies, e.g. {@code
 * Bad row in file:/data/e2e/dev.csv at line 7: wrong column count: expected 4 fields, found 3}.
 *
 * <pre>{@code
 * List<References> dev = References.bySource(
 *         GenerationReader.readAll(GenerationReader.e2eCsv(), conf, "hdfs:///e2e/devel.csv"));
 * }</pre>
 */
public final class GenerationReader implements Iterator<GenerationExample>, Closeable {
    private final DatasetReader reader;

    private GenerationReader(DatasetReader reader) {
        this.reader = reader;
    }

    /** JSON Lines with string fields {@code source} and {@code target}. */
    public static DatasetSpec jsonl() {
        return jsonl("source", "target");
    }

    /** JSON Lines with the source and the target in the named string fields. */
    public static DatasetSpec jsonl(String sourceField, String targetField) {
        return DatasetSpec.builder(Format.JSONL).text(sourceField).pair(targetField).build();
    }

    /**
     * The E2E NLG Challenge CSV: a header row, the meaning representation in {@code mr}, one
     * reference per row in {@code ref} (an MR has several rows); RFC 4180 quoting, so MRs with
     * commas are one field.
     */
    public static DatasetSpec e2eCsv() {
        return DatasetSpec.builder(Format.CSV).text("mr").pair("ref").build();
    }

    /**
     * Reads files, directories and globs with a spec whose text column is the source and pair
     * column the target (see {@link #jsonl} and {@link #e2eCsv}, or build one with other options).
     */
    public static GenerationReader open(DatasetSpec spec, Configuration conf, String... paths) {
        return open(spec, conf, Arrays.asList(paths));
    }

    public static GenerationReader open(DatasetSpec spec, Configuration conf, List<String> paths) {
        if (spec.pairColumn() == null) {
            throw new IllegalArgumentException(
                    "a generation dataset needs a target column: the spec's pair column");
        }
        if (spec.labelColumn() != null) {
            throw new IllegalArgumentException(
                    "a generation dataset has no label column (the target is the spec's "
                            + "pair column), got label column '"
                            + spec.labelColumn()
                            + "'");
        }
        return new GenerationReader(DatasetReader.open(spec, conf, paths));
    }

    /** Every pair of the files, in order: for dev and test sets, which fit in memory. */
    public static List<GenerationExample> readAll(
            DatasetSpec spec, Configuration conf, String... paths) {
        List<GenerationExample> all = new ArrayList<>();
        try (GenerationReader r = open(spec, conf, paths)) {
            r.forEachRemaining(all::add);
        }
        return all;
    }

    @Override
    public boolean hasNext() {
        return reader.hasNext();
    }

    @Override
    public GenerationExample next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        Example e = reader.next();
        return new GenerationExample(e.id(), e.textA(), e.textB(), e.source());
    }

    /** Counts so far; final once {@link #hasNext()} has returned false. */
    public ReadReport report() {
        return reader.report();
    }

    @Override
    public void close() {
        reader.close();
    }
}
