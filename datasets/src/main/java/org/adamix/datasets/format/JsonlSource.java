package org.adamix.datasets.format;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import org.adamix.datasets.BadReason;
import org.adamix.datasets.Column;
import org.adamix.datasets.SourceLocation;

/** JSON Lines: one JSON object per line; fields are looked up by name at the top level. */
final class JsonlSource implements RecordSource {
    // Duplicate keys and trailing garbage are errors: accepting them would mean guessing which
    // value was meant.
    static final JsonMapper JSON =
            JsonMapper.builder()
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
                    .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .build();

    private final LineReader lines;

    JsonlSource(LineReader lines) {
        this.lines = lines;
    }

    @Override
    public Record next() throws IOException, RowProblem {
        Line line = lines.next();
        if (line == null) {
            return null;
        }
        long n = line.number();
        if (line.tooLong()) {
            throw new RowProblem(
                    BadReason.RECORD_TOO_LONG,
                    "line longer than " + lines.maxLineBytes() + " bytes",
                    n);
        }
        if (!line.validUtf8()) {
            throw DelimitedSource.invalidUtf8(line, n);
        }
        if (line.text().isBlank()) {
            throw new RowProblem(BadReason.MALFORMED_JSON, "empty line", n);
        }
        JsonNode node;
        try {
            node = JSON.readTree(line.text());
        } catch (JsonProcessingException e) {
            throw new RowProblem(BadReason.MALFORMED_JSON, describe(e), n);
        }
        if (!node.isObject()) {
            throw new RowProblem(
                    BadReason.MALFORMED_JSON, "expected a JSON object, found " + kind(node), n);
        }
        return new JsonRecord(n, node);
    }

    /** Jackson's own words, without its multi-line source excerpt. */
    private static String describe(JsonProcessingException e) {
        String m = e.getOriginalMessage();
        int cut = m.indexOf('\n');
        if (cut >= 0) {
            m = m.substring(0, cut);
        }
        int paren = m.indexOf(" (start marker");
        if (paren >= 0) {
            m = m.substring(0, paren);
        }
        return (e.getLocation() != null ? "column " + e.getLocation().getColumnNr() + ": " : "")
                + m;
    }

    static String kind(JsonNode n) {
        if (n.isTextual()) {
            return "a string";
        }
        if (n.isIntegralNumber()) {
            return "an integer";
        }
        if (n.isNumber()) {
            return "a float";
        }
        if (n.isBoolean()) {
            return "a boolean";
        }
        if (n.isArray()) {
            return "an array";
        }
        if (n.isObject()) {
            return "an object";
        }
        return "null";
    }

    @Override
    public SourceLocation.Unit unit() {
        return SourceLocation.Unit.LINE;
    }

    @Override
    public void close() throws IOException {
        lines.close();
    }

    private record JsonRecord(long position, JsonNode object) implements Record {

        private JsonNode field(Column c) throws RowProblem {
            JsonNode v = object.get(c.name());
            if (v == null) {
                throw new RowProblem(BadReason.MISSING_FIELD, "no field '" + c + "'");
            }
            if (v.isNull()) {
                throw new RowProblem(BadReason.MISSING_FIELD, "field '" + c + "' is null");
            }
            return v;
        }

        @Override
        public String text(Column c) throws RowProblem {
            JsonNode v = field(c);
            if (!v.isTextual()) {
                throw new RowProblem(
                        BadReason.WRONG_TYPE,
                        "field '" + c + "' must be a string, found " + kind(v));
            }
            return v.textValue();
        }

        @Override
        public String key(Column c) throws RowProblem {
            JsonNode v = field(c);
            if (v.isTextual()) {
                return v.textValue();
            }
            if (v.isIntegralNumber()) {
                return v.bigIntegerValue().toString();
            }
            throw new RowProblem(
                    BadReason.WRONG_TYPE,
                    "field '" + c + "' must be a string or an integer, found " + kind(v));
        }

        @Override
        public float number(Column c) throws RowProblem {
            JsonNode v = field(c);
            if (v.isNumber()) {
                return Numbers.checkRange(c, v.doubleValue(), v.toString());
            }
            if (v.isTextual()) {
                return Numbers.parse(c, v.textValue());
            }
            throw new RowProblem(
                    BadReason.WRONG_TYPE, "field '" + c + "' must be a number, found " + kind(v));
        }
    }
}
