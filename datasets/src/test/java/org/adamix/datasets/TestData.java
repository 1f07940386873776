package org.adamix.datasets;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/** Small datasets written by the tests themselves, in every format. */
final class TestData {
    private TestData() {}

    /** One row as the tests expect to read it back. */
    record Row(String a, String b, String label) {}

    /**
     * Deterministic rows with the characters formats trip over: quotes (literal in TSV, doubled in
     * CSV, escaped in JSON), commas, apostrophes, non-ASCII and a 4-byte UTF-8 character.
     */
    static List<Row> rows(int n, boolean pair) {
        String[] texts = {
            "a \"quoted\" word",
            "commas, everywhere, here",
            "it's fine",
            "café naïve résumé",
            "emoji 😀 ok",
            "\"starts with a quote",
            "ends with a quote\"",
            "plain sentence"
        };
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String a = texts[i % texts.length] + " #" + i;
            String b = pair ? "second " + texts[(i + 3) % texts.length] + " #" + i : null;
            rows.add(new Row(a, b, i % 3 == 0 ? "neg" : "pos"));
        }
        return rows;
    }

    static byte[] tsv(List<Row> rows) {
        StringBuilder sb =
                new StringBuilder(
                        rows.get(0).b() == null ? "text\tlabel\n" : "text\ttext_b\tlabel\n");
        for (Row r : rows) {
            sb.append(r.a()).append('\t');
            if (r.b() != null) {
                sb.append(r.b()).append('\t');
            }
            sb.append(r.label()).append('\n');
        }
        return utf8(sb.toString());
    }

    static byte[] csv(List<Row> rows) {
        StringBuilder sb =
                new StringBuilder(
                        rows.get(0).b() == null ? "text,label\r\n" : "text,text_b,label\r\n");
        for (Row r : rows) {
            sb.append(csvField(r.a())).append(',');
            if (r.b() != null) {
                sb.append(csvField(r.b())).append(',');
            }
            sb.append(r.label()).append("\r\n");
        }
        return utf8(sb.toString());
    }

    static String csvField(String s) {
        boolean quote = s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r");
        return quote ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    static byte[] jsonl(List<Row> rows) {
        com.fasterxml.jackson.databind.ObjectMapper m =
                new com.fasterxml.jackson.databind.ObjectMapper();
        StringBuilder sb = new StringBuilder();
        for (Row r : rows) {
            com.fasterxml.jackson.databind.node.ObjectNode o = m.createObjectNode();
            o.put("text", r.a());
            if (r.b() != null) {
                o.put("text_b", r.b());
            }
            o.put("label", r.label());
            sb.append(o).append('\n');
        }
        return utf8(sb.toString());
    }

    static MessageType schema(boolean pair) {
        return MessageTypeParser.parseMessageType(
                "message example { required binary text (UTF8); "
                        + (pair ? "required binary text_b (UTF8); " : "")
                        + "required binary label (UTF8); "
                        + "required int64 extra; }");
    }

    static void parquet(Path path, Configuration conf, List<Row> rows, CompressionCodecName codec)
            throws IOException {
        boolean pair = rows.get(0).b() != null;
        MessageType schema = schema(pair);
        SimpleGroupFactory groups = new SimpleGroupFactory(schema);
        try (ParquetWriter<Group> w =
                ExampleParquetWriter.builder(path)
                        .withConf(conf)
                        .withType(schema)
                        .withCompressionCodec(codec)
                        .build()) {
            long i = 0;
            for (Row r : rows) {
                Group g = groups.newGroup().append("text", r.a());
                if (pair) {
                    g.append("text_b", r.b());
                }
                g.append("label", r.label()).append("extra", i++);
                w.write(g);
            }
        }
    }

    /**
     * Writes raw Parquet groups, for rows that the normal writer above cannot express (nulls, bad
     * bytes).
     */
    static void parquetRaw(Path path, Configuration conf, MessageType schema, List<Group> rows)
            throws IOException {
        try (ParquetWriter<Group> w =
                ExampleParquetWriter.builder(path)
                        .withConf(conf)
                        .withType(schema)
                        .withCompressionCodec(CompressionCodecName.UNCOMPRESSED)
                        .build()) {
            for (Group g : rows) {
                w.write(g);
            }
        }
    }

    static Binary bytes(byte[] b) {
        return Binary.fromConstantByteArray(b);
    }

    static void write(FileSystem fs, Path path, byte[] data, boolean gzip) throws IOException {
        try (OutputStream out = fs.create(path, true)) {
            out.write(gzip ? gzip(data) : data);
        }
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(data);
        }
        return bytes.toByteArray();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Concatenates text and raw bytes, for files with deliberately invalid UTF-8. */
    static byte[] concat(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object p : parts) {
            byte[] b = p instanceof byte[] bytes ? bytes : utf8((String) p);
            out.write(b, 0, b.length);
        }
        return out.toByteArray();
    }

    static DatasetSpec spec(Format format, boolean pair) {
        DatasetSpec.Builder b =
                DatasetSpec.builder(format).text("text").label("label").labels("neg", "pos");
        if (pair) {
            b.pair("text_b");
        }
        return b.build();
    }

    static List<Example> readAll(DatasetSpec spec, Configuration conf, String... paths) {
        List<Example> out = new ArrayList<>();
        try (DatasetReader r = DatasetReader.open(spec, conf, paths)) {
            r.forEachRemaining(out::add);
        }
        return out;
    }

    static byte[] encode(Format format, List<Row> rows) {
        return switch (format) {
            case TSV -> tsv(rows);
            case CSV -> csv(rows);
            case JSONL -> jsonl(rows);
            default -> throw new IllegalArgumentException(format.toString());
        };
    }

    static String extension(Format format) {
        return switch (format) {
            case TSV -> ".tsv";
            case CSV -> ".csv";
            case JSONL -> ".jsonl";
            case PARQUET -> ".parquet";
        };
    }
}
