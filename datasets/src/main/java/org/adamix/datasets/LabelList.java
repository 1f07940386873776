package org.adamix.datasets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The ordered list of class names of a classification task: a label's index in this list is the
 * class index the model predicts. Stored with a run as {@code {"labels": [...]}} so that training
 * and prediction agree on the order.
 */
public final class LabelList implements Serializable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<String> labels;
    private final Map<String, Integer> index = new HashMap<>();

    private LabelList(List<String> labels) {
        if (labels.isEmpty()) {
            throw new IllegalArgumentException("a label list needs at least one label");
        }
        this.labels = List.copyOf(labels);
        for (int i = 0; i < this.labels.size(); i++) {
            String label = this.labels.get(i);
            if (label.isEmpty()) {
                throw new IllegalArgumentException("empty label at position " + i);
            }
            if (index.putIfAbsent(label, i) != null) {
                throw new IllegalArgumentException("duplicate label '" + label + "'");
            }
        }
    }

    /** The labels in the given order. */
    public static LabelList of(List<String> labels) {
        return new LabelList(labels);
    }

    public static LabelList of(String... labels) {
        return new LabelList(List.of(labels));
    }

    /**
     * The labels in a canonical order, so a collected list does not depend on reading order:
     * numeric order when every label is an integer (so GLUE's 0/1/2 map to themselves), else
     * lexicographic.
     */
    public static LabelList sortedOf(Collection<String> labels) {
        List<String> sorted = new ArrayList<>(labels);
        if (sorted.stream().allMatch(LabelList::isInteger)) {
            sorted.sort(
                    (a, b) -> new java.math.BigInteger(a).compareTo(new java.math.BigInteger(b)));
        } else {
            sorted.sort(null);
        }
        return new LabelList(sorted);
    }

    private static boolean isInteger(String s) {
        return s.matches("-?[0-9]+");
    }

    /** The class index of a label, or -1 if the label is not in the list. */
    public int indexOf(String label) {
        Integer i = index.get(label);
        return i == null ? -1 : i;
    }

    public String get(int i) {
        return labels.get(i);
    }

    public int size() {
        return labels.size();
    }

    public List<String> labels() {
        return labels;
    }

    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode array = root.putArray("labels");
        labels.forEach(array::add);
        return root.toString();
    }

    public static LabelList fromJson(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(
                    "label list is not valid JSON: " + e.getOriginalMessage());
        }
        JsonNode array = root == null ? null : root.get("labels");
        if (array == null || !array.isArray()) {
            throw new IllegalArgumentException(
                    "label list JSON must be an object with a \"labels\" array");
        }
        List<String> labels = new ArrayList<>();
        for (JsonNode n : array) {
            if (!n.isTextual()) {
                throw new IllegalArgumentException(
                        "label list JSON: every label must be a string, found " + n);
            }
            labels.add(n.textValue());
        }
        return new LabelList(labels);
    }

    /** Writes the list as JSON to any Hadoop file system, via a temporary file and a rename. */
    public void write(Path path, Configuration conf) throws IOException {
        FileSystem fs = path.getFileSystem(conf);
        Path tmp =
                new Path(path.getParent(), "." + path.getName() + "." + UUID.randomUUID() + ".tmp");
        try (OutputStream out = fs.create(tmp, false)) {
            out.write((toJson() + "\n").getBytes(StandardCharsets.UTF_8));
        }
        // HDFS rename does not replace an existing file.
        if (fs.exists(path) && !fs.delete(path, false)) {
            throw new IOException("cannot replace " + path);
        }
        if (!fs.rename(tmp, path)) {
            fs.delete(tmp, false);
            throw new IOException("cannot rename " + tmp + " to " + path);
        }
    }

    public static LabelList read(Path path, Configuration conf) throws IOException {
        FileSystem fs = path.getFileSystem(conf);
        if (!fs.exists(path)) {
            throw new DatasetException("label list file does not exist: " + fs.makeQualified(path));
        }
        try (InputStream in = fs.open(path)) {
            String json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            try {
                return fromJson(json);
            } catch (IllegalArgumentException e) {
                throw new DatasetException(fs.makeQualified(path) + ": " + e.getMessage(), e);
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LabelList other && labels.equals(other.labels);
    }

    @Override
    public int hashCode() {
        return labels.hashCode();
    }

    @Override
    public String toString() {
        return labels.toString();
    }
}
