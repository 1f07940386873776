package org.adamix.jobs.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.adamix.jobs.spark.FsPaths;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/** Per-round metrics, kept in memory and rewritten atomically as {@code metrics.jsonl}. */
public final class MetricsLog {
    static final ObjectMapper JSON = new ObjectMapper();
    private final List<ObjectNode> rows = new ArrayList<>();

    public ObjectNode newRow() {
        ObjectNode r = JSON.createObjectNode();
        rows.add(r);
        return r;
    }

    public List<ObjectNode> rows() {
        return rows;
    }

    public String toJsonLines() {
        StringBuilder sb = new StringBuilder();
        for (ObjectNode r : rows) sb.append(r.toString()).append('\n');
        return sb.toString();
    }

    public static MetricsLog parse(String jsonLines) throws IOException {
        MetricsLog log = new MetricsLog();
        for (String line : jsonLines.split("\n"))
            if (!line.isBlank()) log.rows.add((ObjectNode) JSON.readTree(line));
        return log;
    }

    public void write(Path file, Configuration conf) throws IOException {
        FsPaths.writeAtomically(file, toJsonLines(), conf);
    }
}
