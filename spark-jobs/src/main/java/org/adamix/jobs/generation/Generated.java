package org.adamix.jobs.generation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Serializable;

/**
 * One generation: the input's line and id, the prompt's token ids, the new tokens (the end token
 * included when it was generated) and their text (without the end token).
 */
public record Generated(long line, String id, int[] ids, int[] generatedIds, String text)
        implements Serializable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The JSON line {@code generate} writes. */
    public String jsonLine() {
        ObjectNode n = JSON.createObjectNode();
        n.put("line", line);
        n.put("id", id);
        n.putPOJO("ids", ids);
        n.putPOJO("generated_ids", generatedIds);
        n.put("text", text);
        return n.toString();
    }
}
