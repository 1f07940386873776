package org.adamix.datasets.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.text.Normalizer.Form;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Builds a tokenizer from a Hugging Face {@code tokenizer.json}. Supports the parts BERT-family and
 * byte-level BPE models use; anything else is rejected with its name rather than silently encoded
 * differently.
 */
final class TokenizerJson {
    private TokenizerJson() {}

    static Tokenizer read(InputStream in) throws IOException {
        JsonNode root = new ObjectMapper().readTree(in);
        if (root == null || !root.has("model")) {
            throw new IOException("not a tokenizer.json: no \"model\"");
        }
        List<AddedToken> added = addedTokens(root.path("added_tokens"));
        Normalizer normalizer = normalizer(root.path("normalizer"));
        PreTokenizer preTokenizer = preTokenizer(root.path("pre_tokenizer"));
        TokenModel model = model(root.path("model"));
        TemplateProcessor post = postProcessor(root.path("post_processor"));

        EncodeOptions options = EncodeOptions.DEFAULT;
        JsonNode trunc = root.path("truncation");
        if (trunc.isObject()) {
            if (!"Right".equals(trunc.path("direction").asText("Right"))) {
                throw unsupported("truncation direction", trunc.path("direction").asText());
            }
            options =
                    options.withMaxLength(trunc.path("max_length").asInt())
                            .withTruncation(
                                    strategy(trunc.path("strategy").asText("LongestFirst")));
        }
        String padToken = null;
        int padTypeId = 0;
        JsonNode pad = root.path("padding");
        if (pad.isObject()) {
            padToken = pad.path("pad_token").asText(null);
            padTypeId = pad.path("pad_type_id").asInt(0);
            JsonNode fixed = pad.path("strategy").path("Fixed");
            if (fixed.isInt()) {
                options = options.withPadToLength(fixed.asInt());
            }
        }
        return new PipelineTokenizer(
                added, normalizer, preTokenizer, model, post, padToken, padTypeId, options);
    }

    private static List<AddedToken> addedTokens(JsonNode list) {
        List<AddedToken> out = new ArrayList<>();
        for (JsonNode t : list) {
            out.add(
                    new AddedToken(
                            t.path("content").asText(),
                            t.path("id").asInt(),
                            t.path("special").asBoolean(),
                            t.path("single_word").asBoolean(),
                            t.path("lstrip").asBoolean(),
                            t.path("rstrip").asBoolean(),
                            t.path("normalized").asBoolean()));
        }
        return out;
    }

    private static Normalizer normalizer(JsonNode n) {
        if (n.isMissingNode() || n.isNull()) {
            return null;
        }
        String type = n.path("type").asText();
        return switch (type) {
            case "BertNormalizer" ->
                    new BertNormalizer(
                            n.path("clean_text").asBoolean(true),
                            n.path("handle_chinese_chars").asBoolean(true),
                            n.path("strip_accents").isBoolean()
                                    ? n.path("strip_accents").asBoolean()
                                    : null,
                            n.path("lowercase").asBoolean(true));
            case "Lowercase" -> Normalizers.lowercase();
            case "StripAccents" -> Normalizers.stripAccents();
            case "NFC" -> Normalizers.unicode(Form.NFC);
            case "NFD" -> Normalizers.unicode(Form.NFD);
            case "NFKC" -> Normalizers.unicode(Form.NFKC);
            case "NFKD" -> Normalizers.unicode(Form.NFKD);
            case "Sequence" -> {
                List<Normalizer> steps = new ArrayList<>();
                for (JsonNode step : n.path("normalizers")) {
                    steps.add(normalizer(step));
                }
                yield Normalizers.sequence(steps);
            }
            default -> throw unsupported("normalizer", type);
        };
    }

    private static PreTokenizer preTokenizer(JsonNode n) {
        if (n.isMissingNode() || n.isNull()) {
            return (text, words) -> {
                if (!text.isEmpty()) {
                    words.add(text);
                }
            };
        }
        String type = n.path("type").asText();
        return switch (type) {
            case "BertPreTokenizer" -> new BertPreTokenizer();
            case "ByteLevel" ->
                    new ByteLevelPreTokenizer(
                            n.path("add_prefix_space").asBoolean(true),
                            n.path("use_regex").asBoolean(true));
            case "Sequence" -> {
                JsonNode steps = n.path("pretokenizers");
                if (steps.size() != 1) {
                    throw unsupported("pre_tokenizer", "Sequence of " + steps.size());
                }
                yield preTokenizer(steps.get(0));
            }
            default -> throw unsupported("pre_tokenizer", type);
        };
    }

    private static TokenModel model(JsonNode m) {
        String type = m.path("type").asText(m.has("merges") ? "BPE" : "WordPiece");
        Map<String, Integer> ids = new HashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = m.path("vocab").fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            ids.put(e.getKey(), id(e.getKey(), e.getValue()));
        }
        Vocab vocab = new Vocab(ids);
        return switch (type) {
            case "WordPiece" ->
                    new WordPieceModel(
                            vocab,
                            m.path("unk_token").asText("[UNK]"),
                            m.path("continuing_subword_prefix").asText("##"),
                            m.path("max_input_chars_per_word").asInt(100));
            case "BPE" -> {
                JsonNode dropout = m.path("dropout");
                if (!dropout.isMissingNode() && !dropout.isNull() && dropout.asDouble() > 0) {
                    throw unsupported("BPE option", "dropout");
                }
                List<String[]> merges = new ArrayList<>();
                for (JsonNode merge : m.path("merges")) {
                    merges.add(merge.isArray() ? mergePair(merge) : splitMerge(merge.asText()));
                }
                yield new BpeModel(
                        vocab,
                        merges,
                        textOrNull(m.path("unk_token")),
                        textOrNull(m.path("continuing_subword_prefix")),
                        textOrNull(m.path("end_of_word_suffix")),
                        m.path("fuse_unk").asBoolean(false),
                        m.path("byte_fallback").asBoolean(false),
                        m.path("ignore_merges").asBoolean(false));
            }
            default -> throw unsupported("model", type);
        };
    }

    /** A merge as ["a", "b"] (newer tokenizer.json files). */
    private static String[] mergePair(JsonNode merge) {
        if (merge.size() != 2 || !merge.get(0).isTextual() || !merge.get(1).isTextual())
            throw new IllegalArgumentException(
                    "bad merge rule: " + merge + " (expected [\"a\", \"b\"])");
        return new String[] {merge.get(0).asText(), merge.get(1).asText()};
    }

    /** The id of a post-processor's special token, given as ["[CLS]", 101]. */
    private static int specialId(JsonNode pair, String what) {
        if (!pair.isArray() || pair.size() != 2 || !pair.get(1).canConvertToInt())
            throw new IllegalArgumentException(
                    "post_processor " + what + " must be [token, id], found " + pair);
        return pair.get(1).asInt();
    }

    static String[] splitMerge(String line) {
        int space = line.indexOf(' ');
        if (space <= 0 || space != line.lastIndexOf(' ')) {
            throw new IllegalArgumentException("bad merge rule: '" + line + "'");
        }
        return new String[] {line.substring(0, space), line.substring(space + 1)};
    }

    private static TemplateProcessor postProcessor(JsonNode p) {
        if (p.isMissingNode() || p.isNull()) {
            return TemplateProcessor.NONE;
        }
        String type = p.path("type").asText();
        return switch (type) {
            case "BertProcessing" ->
                    TemplateProcessor.bert(
                            specialId(p.path("cls"), "cls"), specialId(p.path("sep"), "sep"));
            case "RobertaProcessing" ->
                    TemplateProcessor.roberta(
                            specialId(p.path("cls"), "cls"), specialId(p.path("sep"), "sep"));
            case "TemplateProcessing" ->
                    new TemplateProcessor(
                            template(p.path("single"), p.path("special_tokens")),
                            template(p.path("pair"), p.path("special_tokens")));
            case "ByteLevel" -> TemplateProcessor.NONE; // only adjusts offsets
            case "Sequence" -> {
                TemplateProcessor chosen = TemplateProcessor.NONE;
                for (JsonNode step : p.path("processors")) {
                    TemplateProcessor t = postProcessor(step);
                    if (t != TemplateProcessor.NONE) {
                        chosen = t;
                    }
                }
                yield chosen;
            }
            default -> throw unsupported("post_processor", type);
        };
    }

    private static List<TemplateProcessor.Piece> template(JsonNode pieces, JsonNode specials) {
        List<TemplateProcessor.Piece> out = new ArrayList<>();
        for (JsonNode piece : pieces) {
            if (piece.has("SpecialToken")) {
                JsonNode s = piece.get("SpecialToken");
                JsonNode idList = specials.path(s.path("id").asText()).path("ids");
                if (idList.isEmpty()) {
                    throw new IllegalArgumentException(
                            "template special token without ids: " + s.path("id"));
                }
                int[] tokenIds = new int[idList.size()];
                for (int i = 0; i < tokenIds.length; i++) {
                    tokenIds[i] = idList.get(i).asInt();
                }
                out.add(new TemplateProcessor.Piece(tokenIds, -1, s.path("type_id").asInt()));
            } else {
                JsonNode s = piece.get("Sequence");
                out.add(
                        TemplateProcessor.Piece.sequence(
                                "B".equals(s.path("id").asText()) ? 1 : 0,
                                s.path("type_id").asInt()));
            }
        }
        return out;
    }

    private static TruncationStrategy strategy(String name) {
        return switch (name) {
            case "LongestFirst" -> TruncationStrategy.LONGEST_FIRST;
            case "OnlyFirst" -> TruncationStrategy.ONLY_FIRST;
            case "OnlySecond" -> TruncationStrategy.ONLY_SECOND;
            default -> throw unsupported("truncation strategy", name);
        };
    }

    /** A vocabulary id: a non-negative integer that fits an int. */
    static int id(String token, JsonNode v) {
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < 0)
            throw new IllegalArgumentException(
                    "tokenizer.json: vocab entry '" + token + "' has id " + v + ", not an id");
        return v.asInt();
    }

    private static String textOrNull(JsonNode n) {
        return n.isMissingNode() || n.isNull() ? null : n.asText();
    }

    /**
     * A setting this project does not implement: bad input for the job that loads it (exit code 2),
     * hence an IllegalArgumentException, like every other defect of the file (ReaderFuzzTest).
     */
    private static IllegalArgumentException unsupported(String what, String name) {
        return new IllegalArgumentException(
                "tokenizer.json: unsupported " + what + " '" + name + "'");
    }
}
