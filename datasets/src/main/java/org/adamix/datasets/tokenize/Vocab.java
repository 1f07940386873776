package org.adamix.datasets.tokenize;

import java.util.HashMap;
import java.util.Map;

/** Token strings to ids and back. Ids need not be dense: unused ids map back to null. */
final class Vocab {
    private final Map<String, Integer> ids;
    private final String[] tokens;

    Vocab(Map<String, Integer> ids) {
        this.ids = new HashMap<>(ids);
        int max = -1;
        for (Map.Entry<String, Integer> e : ids.entrySet()) {
            if (e.getValue() < 0)
                throw new IllegalArgumentException(
                        "vocabulary: token '" + e.getKey() + "' has a negative id " + e.getValue());
            max = Math.max(max, e.getValue());
        }
        // ids may have gaps, but the table is sized by the largest: keep it bounded by the input
        long bound = 16L * ids.size() + 1024;
        if (max >= bound)
            throw new IllegalArgumentException(
                    "vocabulary: ids go up to "
                            + max
                            + " for "
                            + ids.size()
                            + " tokens (at most "
                            + bound
                            + " allowed)");
        tokens = new String[max + 1];
        for (Map.Entry<String, Integer> e : ids.entrySet()) {
            tokens[e.getValue()] = e.getKey();
        }
    }

    /** Id of a token, or -1. */
    int id(String token) {
        Integer id = ids.get(token);
        return id == null ? -1 : id;
    }

    /** Id of a token, or null: the cheap test used in the models' inner loops. */
    Integer idOrNull(String token) {
        return ids.get(token);
    }

    String token(int id) {
        return id >= 0 && id < tokens.length ? tokens[id] : null;
    }

    int size() {
        return ids.size();
    }
}
