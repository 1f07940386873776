package org.adamix.datasets.tokenize;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Trains a small byte-level BPE (no RoBERTa files are available offline) and writes it three ways:
 * vocab.json, merges.txt and an equivalent RoBERTa-style tokenizer.json that the reference can
 * load.
 */
final class TinyBpeTrainer {
    static final List<String> SPECIALS = List.of("<s>", "<pad>", "</s>", "<unk>");

    final Map<String, Integer> vocab = new LinkedHashMap<>();
    final List<String[]> merges = new ArrayList<>();

    /**
     * Most frequent adjacent pair first; ties broken by the pair's text, so training is
     * deterministic.
     */
    TinyBpeTrainer(List<String> texts, int mergeCount) {
        SPECIALS.forEach(s -> vocab.put(s, vocab.size()));
        for (int b = 0; b < 256; b++) {
            vocab.putIfAbsent(String.valueOf(ByteLevelAlphabet.charOf(b)), vocab.size());
        }
        Map<String, Integer> wordCounts = new HashMap<>();
        PreTokenizer pre = new ByteLevelPreTokenizer(false, true);
        for (String text : texts) {
            List<String> words = new ArrayList<>();
            pre.split(text, words);
            words.forEach(w -> wordCounts.merge(w, 1, Integer::sum));
        }
        List<List<String>> words = new ArrayList<>();
        List<Integer> counts = new ArrayList<>();
        wordCounts.forEach(
                (w, c) -> {
                    List<String> symbols = new ArrayList<>();
                    w.codePoints().forEach(cp -> symbols.add(new String(Character.toChars(cp))));
                    words.add(symbols);
                    counts.add(c);
                });
        for (int m = 0; m < mergeCount; m++) {
            Map<String, Integer> pairCounts = new HashMap<>();
            for (int i = 0; i < words.size(); i++) {
                List<String> s = words.get(i);
                for (int k = 0; k + 1 < s.size(); k++) {
                    pairCounts.merge(s.get(k) + " " + s.get(k + 1), counts.get(i), Integer::sum);
                }
            }
            String best = null;
            for (Map.Entry<String, Integer> e : pairCounts.entrySet()) {
                if (best == null
                        || e.getValue() > pairCounts.get(best)
                        || (e.getValue().equals(pairCounts.get(best))
                                && e.getKey().compareTo(best) < 0)) {
                    best = e.getKey();
                }
            }
            if (best == null) {
                break;
            }
            String[] pair = best.split(" ");
            merges.add(pair);
            vocab.putIfAbsent(pair[0] + pair[1], vocab.size());
            for (List<String> s : words) {
                for (int k = 0; k + 1 < s.size(); k++) {
                    if (s.get(k).equals(pair[0]) && s.get(k + 1).equals(pair[1])) {
                        s.set(k, pair[0] + pair[1]);
                        s.remove(k + 1);
                    }
                }
            }
        }
        vocab.put("<mask>", vocab.size());
    }

    void writeVocabAndMerges(Path dir) throws IOException {
        new ObjectMapper().writeValue(dir.resolve("vocab.json").toFile(), vocab);
        List<String> lines = new ArrayList<>();
        lines.add("#version: 0.2");
        merges.forEach(p -> lines.add(p[0] + " " + p[1]));
        Files.write(dir.resolve("merges.txt"), lines, StandardCharsets.UTF_8);
    }

    /**
     * A RoBERTa-style tokenizer.json; merges as "a b" strings or, in the newer format, as [a, b]
     * arrays.
     */
    Path writeTokenizerJson(Path file, boolean addPrefixSpace, boolean mergesAsArrays)
            throws IOException {
        ObjectMapper om = new ObjectMapper();
        ObjectNode root = om.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        // Without a padding section the reference would pad with id 0; RoBERTa pads with <pad>.
        root.putObject("padding")
                .put("strategy", "BatchLongest")
                .put("direction", "Right")
                .put("pad_to_multiple_of", (Integer) null)
                .put("pad_id", vocab.get("<pad>"))
                .put("pad_type_id", 0)
                .put("pad_token", "<pad>");
        ArrayNode added = root.putArray("added_tokens");
        for (String s : List.of("<s>", "<pad>", "</s>", "<unk>", "<mask>")) {
            added.addObject()
                    .put("id", vocab.get(s))
                    .put("content", s)
                    .put("single_word", false)
                    .put("lstrip", s.equals("<mask>"))
                    .put("rstrip", false)
                    .put("normalized", false)
                    .put("special", true);
        }
        root.putNull("normalizer");
        root.putObject("pre_tokenizer")
                .put("type", "ByteLevel")
                .put("add_prefix_space", addPrefixSpace)
                .put("trim_offsets", true)
                .put("use_regex", true);
        ObjectNode post = root.putObject("post_processor");
        post.put("type", "RobertaProcessing");
        post.putArray("sep").add("</s>").add(vocab.get("</s>"));
        post.putArray("cls").add("<s>").add(vocab.get("<s>"));
        post.put("trim_offsets", true).put("add_prefix_space", addPrefixSpace);
        root.putObject("decoder")
                .put("type", "ByteLevel")
                .put("add_prefix_space", true)
                .put("trim_offsets", true)
                .put("use_regex", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE").putNull("dropout");
        model.putNull("unk_token");
        model.put("continuing_subword_prefix", "")
                .put("end_of_word_suffix", "")
                .put("fuse_unk", false)
                .put("byte_fallback", false)
                .put("ignore_merges", false);
        ObjectNode v = model.putObject("vocab");
        vocab.forEach(v::put);
        ArrayNode m = model.putArray("merges");
        for (String[] p : merges) {
            if (mergesAsArrays) {
                m.addArray().add(p[0]).add(p[1]);
            } else {
                m.add(p[0] + " " + p[1]);
            }
        }
        om.writeValue(file.toFile(), root);
        return file;
    }
}
