package org.adamix.datasets;

import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.adamix.datasets.format.Numbers;
import org.adamix.datasets.format.Record;
import org.adamix.datasets.format.RecordSource;
import org.adamix.datasets.format.RecordSources;
import org.adamix.datasets.format.RowProblem;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodecFactory;

/**
 * Streams the examples of a dataset: one file open at a time, one row in memory at a time, files in
 * path order. Bad rows follow the spec's {@link BadRowPolicy}; under SKIP the fraction of bad rows
 * is checked when the last file is done, so {@link #hasNext()} may throw {@link
 * TooManyBadRowsException} after every good example has been returned.
 *
 * <pre>{@code
 * try (DatasetReader r = DatasetReader.open(spec, conf, "hdfs:///glue/sst2/train.tsv")) {
 *     while (r.hasNext()) { Example e = r.next(); ... }
 *     log(r.report().summary());
 * }
 * }</pre>
 */
public final class DatasetReader implements Iterator<Example>, Closeable {

    /** Maps a label string to its class index; the collector's version grows the list instead. */
    interface LabelMapper {
        int indexOf(String label) throws RowProblem;
    }

    private final DatasetSpec spec;
    private final Configuration conf;
    private final List<Path> files;
    private final CompressionCodecFactory codecs;
    private final List<Column> columns;
    private final LabelMapper labels;
    private final ReadReport report = new ReadReport();

    private int nextFile;
    private RecordSource source;
    private String file;
    private String fileKey;
    private Example pending;
    private boolean finished;

    private DatasetReader(
            DatasetSpec spec, Configuration conf, List<Path> files, LabelMapper labels) {
        this.spec = spec;
        this.conf = withReadBuffer(conf);
        this.files = List.copyOf(files);
        this.codecs = new CompressionCodecFactory(this.conf);
        this.labels = labels;
        List<Column> cs = new ArrayList<>();
        for (Column c :
                Arrays.asList(
                        spec.textColumn(),
                        spec.pairColumn(),
                        spec.labelColumn(),
                        spec.idColumn())) {
            if (c != null) {
                cs.add(c);
            }
        }
        this.columns = List.copyOf(cs);
        if (spec.idColumn() == null) {
            ExampleIds.checkUnique(this.files, codecs);
        }
    }

    /**
     * Hadoop's default 4 KiB stream buffers halve gzip read throughput (measured with ReadBench);
     * 64 KiB is enough.
     */
    private static Configuration withReadBuffer(Configuration conf) {
        if (conf.getInt(IO_BUFFER_KEY, 4096) >= READ_BUFFER) {
            return conf;
        }
        Configuration copy = new Configuration(conf);
        copy.setInt(IO_BUFFER_KEY, READ_BUFFER);
        return copy;
    }

    private static final String IO_BUFFER_KEY = "io.file.buffer.size";
    private static final int READ_BUFFER = 1 << 16;

    /** Reads the files, directories and globs given (see {@link InputFiles}). */
    public static DatasetReader open(DatasetSpec spec, Configuration conf, String... paths) {
        return open(spec, conf, Arrays.asList(paths));
    }

    public static DatasetReader open(DatasetSpec spec, Configuration conf, List<String> paths) {
        return openFiles(spec, conf, InputFiles.list(conf, paths));
    }

    /**
     * Reads exactly these files, in this order, e.g. the share of a Spark partition. Duplicate file
     * names are only checked within {@code files}: a driver that splits a listing should call
     * {@link ExampleIds#checkUnique} on the whole of it.
     */
    public static DatasetReader openFiles(DatasetSpec spec, Configuration conf, List<Path> files) {
        return new DatasetReader(spec, conf, files, fixedLabels(spec));
    }

    /** Used by {@link LabelCollector}, which reads without a label list. */
    static DatasetReader openCollecting(
            DatasetSpec spec, Configuration conf, List<Path> files, LabelMapper mapper) {
        return new DatasetReader(spec, conf, files, mapper);
    }

    private static LabelMapper fixedLabels(DatasetSpec spec) {
        if (spec.task() != TaskType.CLASSIFICATION || !spec.isLabelled()) {
            return null;
        }
        LabelList list = spec.labels();
        if (list == null) {
            throw new IllegalArgumentException(
                    "a classification dataset needs a label list: give one in the spec "
                            + "or collect it first with LabelCollector");
        }
        String known =
                list.size() <= 10
                        ? list.labels().toString()
                        : list.labels().subList(0, 10) + " and " + (list.size() - 10) + " more";
        return label -> {
            int i = list.indexOf(label);
            if (i < 0) {
                throw new RowProblem(
                        BadReason.UNKNOWN_LABEL,
                        "'" + Numbers.abbreviate(label) + "' is not one of " + known);
            }
            return i;
        };
    }

    @Override
    public boolean hasNext() {
        if (pending == null && !finished) {
            advance();
        }
        return pending != null;
    }

    @Override
    public Example next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        Example e = pending;
        pending = null;
        return e;
    }

    /** Counts so far; final once {@link #hasNext()} has returned false. */
    public ReadReport report() {
        return report;
    }

    private void advance() {
        while (pending == null) {
            if (source == null && !openNextFile()) {
                finish();
                return;
            }
            Record record;
            try {
                record = source.next();
            } catch (RowProblem p) {
                bad(p, p.position());
                continue;
            } catch (IOException e) {
                throw new DatasetException("cannot read " + file + ": " + e.getMessage(), e);
            }
            if (record == null) {
                closeSource();
                continue;
            }
            try {
                pending = toExample(record);
                report.countGood();
            } catch (RowProblem p) {
                bad(p, record.position());
            }
        }
    }

    private Example toExample(Record r) throws RowProblem {
        String textA = text(r, spec.textColumn());
        String textB = spec.pairColumn() == null ? null : text(r, spec.pairColumn());
        int label = -1;
        float target = Float.NaN;
        if (spec.labelColumn() != null) {
            if (spec.task() == TaskType.CLASSIFICATION) {
                label = labels.indexOf(key(r, spec.labelColumn()));
            } else {
                target = r.number(spec.labelColumn());
            }
        }
        String id =
                spec.idColumn() == null
                        ? ExampleIds.of(fileKey, r.position())
                        : key(r, spec.idColumn());
        return new Example(
                id,
                textA,
                textB,
                label,
                target,
                new SourceLocation(file, r.position(), source.unit()));
    }

    private static String text(Record r, Column c) throws RowProblem {
        String s = r.text(c);
        if (s.isBlank()) {
            throw new RowProblem(
                    BadReason.EMPTY_TEXT,
                    "column '" + c + "' is " + (s.isEmpty() ? "empty" : "blank"));
        }
        return s;
    }

    private static String key(Record r, Column c) throws RowProblem {
        String s = r.key(c);
        if (s.isEmpty()) {
            throw new RowProblem(BadReason.MISSING_FIELD, "column '" + c + "' is empty");
        }
        return s;
    }

    private void bad(RowProblem p, long position) {
        SourceLocation at = new SourceLocation(file, position, source.unit());
        if (spec.badRows() == BadRowPolicy.FAIL) {
            throw new BadRowException(at, p.reason(), p.detail());
        }
        report.countBad(p.reason(), BadRowException.message(at, p.reason(), p.detail()));
    }

    private boolean openNextFile() {
        if (nextFile == files.size()) {
            return false;
        }
        Path path = files.get(nextFile++);
        fileKey = ExampleIds.fileKey(path, codecs);
        file = path.toString();
        try {
            path =
                    path.getFileSystem(conf)
                            .makeQualified(path); // messages name the file system too
            file = path.toString();
            source = RecordSources.open(spec, path, file, columns, conf, codecs);
        } catch (java.io.FileNotFoundException e) {
            throw new DatasetException("input file does not exist: " + file, e);
        } catch (IOException e) {
            throw new DatasetException("cannot open " + file + ": " + e.getMessage(), e);
        }
        report.countFile();
        return true;
    }

    private void finish() {
        finished = true;
        if (spec.badRows() == BadRowPolicy.SKIP && report.badFraction() > spec.maxBadFraction()) {
            String first =
                    report.firstBadRows().isEmpty()
                            ? ""
                            : "; first: " + report.firstBadRows().get(0);
            throw new TooManyBadRowsException(
                    "too many bad rows: "
                            + report.badRows()
                            + " of "
                            + report.totalRows()
                            + " rows ("
                            + ReadReport.percent(report.badFraction())
                            + ") are bad, more than the allowed "
                            + ReadReport.percent(spec.maxBadFraction())
                            + " ("
                            + report.reasonCounts()
                            + ")"
                            + first,
                    report);
        }
    }

    private void closeSource() {
        try {
            source.close();
        } catch (IOException e) {
            throw new DatasetException("cannot close " + file + ": " + e.getMessage(), e);
        } finally {
            source = null;
        }
    }

    @Override
    public void close() {
        finished = true;
        pending = null;
        if (source != null) {
            try {
                source.close();
            } catch (IOException ignored) {
                // Closing after a failure or early stop: the data read so far is unaffected.
            } finally {
                source = null;
            }
        }
    }
}
