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
        for (int id : ids.values()) {
            max = Math.max(max, id);
        }
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
