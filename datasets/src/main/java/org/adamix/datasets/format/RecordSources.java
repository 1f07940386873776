package org.adamix.datasets.format;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.adamix.datasets.Column;
import org.adamix.datasets.DatasetSpec;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CodecPool;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.hadoop.io.compress.Decompressor;

/**
 * Opens one file as a {@link RecordSource} for the spec's format, decompressing text by file
 * suffix.
 */
public final class RecordSources {
    private RecordSources() {}

    /**
     * @param file the qualified path string used in messages
     * @param columns every column the spec reads
     */
    public static RecordSource open(
            DatasetSpec spec,
            Path path,
            String file,
            List<Column> columns,
            Configuration conf,
            CompressionCodecFactory codecs)
            throws IOException {
        switch (spec.format()) {
            case PARQUET:
                // Parquet compresses inside the file; a .gz around it is not something
                // parquet-hadoop reads.
                return new ParquetSource(file, path, conf, columns);
            case JSONL:
                return new JsonlSource(
                        new LineReader(openText(path, conf, codecs), spec.maxRecordBytes()));
            case TSV:
            case CSV:
                LineReader lines =
                        new LineReader(openText(path, conf, codecs), spec.maxRecordBytes());
                DelimitedSource source =
                        spec.format() == org.adamix.datasets.Format.TSV
                                ? new TsvSource(file, lines, columns)
                                : new CsvSource(file, lines, columns);
                try {
                    if (spec.header()) {
                        source.readHeader();
                    }
                } catch (IOException | RuntimeException e) {
                    source.close();
                    throw e;
                }
                return source;
            default:
                throw new IllegalStateException("unhandled format " + spec.format());
        }
    }

    /** The file's bytes, decompressed if its suffix names a Hadoop codec (.gz, .bz2, ...). */
    public static InputStream openText(
            Path path, Configuration conf, CompressionCodecFactory codecs) throws IOException {
        FileSystem fs = path.getFileSystem(conf);
        InputStream raw = fs.open(path, conf.getInt("io.file.buffer.size", 1 << 16));
        CompressionCodec codec = codecs.getCodec(path);
        if (codec == null) {
            return raw;
        }
        Decompressor decompressor = CodecPool.getDecompressor(codec);
        InputStream in;
        try {
            in = codec.createInputStream(raw, decompressor);
        } catch (IOException | RuntimeException e) {
            raw.close();
            CodecPool.returnDecompressor(decompressor);
            throw e;
        }
        return new FilterInputStream(in) {
            private boolean closed;

            @Override
            public void close() throws IOException {
                if (!closed) {
                    closed = true;
                    try {
                        super.close();
                    } finally {
                        CodecPool.returnDecompressor(decompressor);
                    }
                }
            }
        };
    }
}
