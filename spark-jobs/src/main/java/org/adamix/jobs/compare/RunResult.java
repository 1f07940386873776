package org.adamix.jobs.compare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one run ended with: sizes, speed, the dev metric after every epoch, and the merged model's
 * scores at the best epoch ({@code dev}/{@code test} are null when the run diverged before its
 * first epoch ended; {@code test} also when there is no test set).
 */
public record RunResult(
        RunConfig config,
        long trainableParameters,
        long mergedParameters,
        long steps,
        double trainExamplesPerSecond,
        int bestEpoch,
        boolean diverged,
        List<Double> devByEpoch,
        Map<String, Double> dev,
        Map<String, Double> test)
        implements Serializable {
    static final ObjectMapper JSON = new ObjectMapper();

    /** The metric {@code key} on dev or test, NaN when absent. */
    public double score(boolean onTest, String key) {
        Map<String, Double> m = onTest ? test : dev;
        return m == null || !m.containsKey(key) ? Double.NaN : m.get(key);
    }

    public ObjectNode toJson() {
        ObjectNode n = JSON.createObjectNode();
        n.put("method", config.method());
        n.put("seed", config.seed());
        n.put("lr", config.lr());
        n.put("trainable_parameters", trainableParameters);
        n.put("merged_parameters", mergedParameters);
        n.put("steps", steps);
        put(n, "train_examples_per_s", trainExamplesPerSecond);
        n.put("best_epoch", bestEpoch);
        n.put("diverged", diverged);
        ArrayNode epochs = n.putArray("dev_by_epoch");
        for (double d : devByEpoch) {
            if (Double.isFinite(d)) epochs.add(d);
            else epochs.addNull();
        }
        putScores(n, "dev", dev);
        putScores(n, "test", test);
        return n;
    }

    public static RunResult fromJson(String text) throws IOException {
        JsonNode n = JSON.readTree(text);
        List<Double> epochs = new ArrayList<>();
        for (JsonNode e : n.get("dev_by_epoch")) epochs.add(e.isNull() ? Double.NaN : e.asDouble());
        return new RunResult(
                new RunConfig(
                        n.get("method").asText(), n.get("seed").asLong(), n.get("lr").asDouble()),
                n.get("trainable_parameters").asLong(),
                n.get("merged_parameters").asLong(),
                n.get("steps").asLong(),
                n.get("train_examples_per_s").asDouble(Double.NaN),
                n.get("best_epoch").asInt(),
                n.get("diverged").asBoolean(),
                epochs,
                scores(n.get("dev")),
                scores(n.get("test")));
    }

    /** Non-finite numbers are written as null: JSON has no NaN. */
    static void put(ObjectNode n, String key, double v) {
        if (Double.isFinite(v)) n.put(key, v);
        else n.putNull(key);
    }

    private static void putScores(ObjectNode n, String key, Map<String, Double> scores) {
        if (scores == null) {
            n.putNull(key);
            return;
        }
        ObjectNode s = n.putObject(key);
        scores.forEach((k, v) -> put(s, k, v));
    }

    private static Map<String, Double> scores(JsonNode n) {
        if (n == null || n.isNull()) return null;
        Map<String, Double> m = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            m.put(e.getKey(), e.getValue().isNull() ? Double.NaN : e.getValue().asDouble());
        }
        return m;
    }
}
