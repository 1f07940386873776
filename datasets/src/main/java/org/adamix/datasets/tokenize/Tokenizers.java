package org.adamix.datasets.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Creates tokenizers from the files Hugging Face models ship: {@code tokenizer.json} (preferred: it
 * states every setting), or a BERT {@code vocab.txt}, or a byte-level BPE {@code vocab.json} +
 * {@code merges.txt}.
 */
public final class Tokenizers {
    private Tokenizers() {}

    /**
     * Loads from a model directory (tokenizer.json, else vocab.txt, else vocab.json + merges.txt)
     * or from one of those files. A tokenizer.json's own truncation and padding become the
     * tokenizer's {@link Tokenizer#options()}.
     */
    public static Tokenizer load(Path path) throws IOException {
        Path dir = Files.isDirectory(path) ? path : path.toAbsolutePath().getParent();
        String name = Files.isDirectory(path) ? null : path.getFileName().toString();
        if (name == null) {
            if (Files.exists(dir.resolve("tokenizer.json"))) {
                return fromJson(dir.resolve("tokenizer.json"));
            }
            if (Files.exists(dir.resolve("vocab.txt"))) {
                return bertWordPiece(dir.resolve("vocab.txt"), doLowerCase(dir));
            }
            if (Files.exists(dir.resolve("vocab.json"))
                    && Files.exists(dir.resolve("merges.txt"))) {
                return byteLevelBpe(
                        dir.resolve("vocab.json"), dir.resolve("merges.txt"), addPrefixSpace(dir));
            }
            throw new IOException(
                    "no tokenizer.json, vocab.txt or vocab.json + merges.txt in " + dir);
        }
        if (name.endsWith(".txt") && !name.equals("merges.txt")) {
            return bertWordPiece(path, doLowerCase(dir));
        }
        if (name.equals("vocab.json") || name.equals("merges.txt")) {
            return byteLevelBpe(
                    dir.resolve("vocab.json"), dir.resolve("merges.txt"), addPrefixSpace(dir));
        }
        return fromJson(path);
    }

    /** A Hugging Face tokenizer.json. */
    public static Tokenizer fromJson(Path tokenizerJson) throws IOException {
        try (InputStream in = Files.newInputStream(tokenizerJson)) {
            return fromJson(in);
        }
    }

    /** A Hugging Face tokenizer.json from a stream (e.g. bytes broadcast to Spark executors). */
    public static Tokenizer fromJson(InputStream tokenizerJson) throws IOException {
        return TokenizerJson.read(tokenizerJson);
    }

    /**
     * BERT WordPiece from a vocab.txt (one token per line, id = line number), set up as Hugging
     * Face converts BertTokenizer: BertNormalizer, BertPreTokenizer, "##" pieces, [CLS] a [SEP] b
     * [SEP].
     */
    public static Tokenizer bertWordPiece(Path vocabTxt, boolean lowercase) throws IOException {
        Map<String, Integer> ids = new HashMap<>();
        List<String> lines = Files.readAllLines(vocabTxt, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            ids.put(lines.get(i).stripTrailing(), i);
        }
        Vocab vocab = new Vocab(ids);
        int cls = vocab.id("[CLS]");
        int sep = vocab.id("[SEP]");
        if (cls < 0 || sep < 0) {
            throw new IOException(vocabTxt + ": a BERT vocabulary needs [CLS] and [SEP]");
        }
        List<AddedToken> added = new ArrayList<>();
        for (String special : new String[] {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}) {
            if (vocab.id(special) >= 0) {
                added.add(AddedToken.special(special, vocab.id(special)));
            }
        }
        return new PipelineTokenizer(
                added,
                new BertNormalizer(true, true, null, lowercase),
                new BertPreTokenizer(),
                new WordPieceModel(vocab, "[UNK]", "##", 100),
                TemplateProcessor.bert(cls, sep),
                "[PAD]",
                0,
                EncodeOptions.DEFAULT);
    }

    /**
     * Byte-level BPE (RoBERTa, GPT-2) from vocab.json and merges.txt, set up as Hugging Face
     * converts them: ByteLevel pre-tokenizer, no unknown token, and {@code <s> a </s></s> b </s>}
     * when the vocabulary has &lt;s&gt; and &lt;/s&gt; (RoBERTa), else no special tokens (GPT-2).
     */
    public static Tokenizer byteLevelBpe(Path vocabJson, Path mergesTxt, boolean addPrefixSpace)
            throws IOException {
        Map<String, Integer> ids = new HashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it =
                new ObjectMapper().readTree(vocabJson.toFile()).fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            ids.put(e.getKey(), TokenizerJson.id(e.getKey(), e.getValue()));
        }
        List<String[]> merges = new ArrayList<>();
        for (String line : Files.readAllLines(mergesTxt, StandardCharsets.UTF_8)) {
            if (!line.isEmpty() && !line.startsWith("#version")) {
                merges.add(TokenizerJson.splitMerge(line));
            }
        }
        Vocab vocab = new Vocab(ids);
        List<AddedToken> added = new ArrayList<>();
        for (String special : new String[] {"<s>", "<pad>", "</s>", "<unk>", "<|endoftext|>"}) {
            if (vocab.id(special) >= 0) {
                added.add(AddedToken.special(special, vocab.id(special)));
            }
        }
        if (vocab.id("<mask>") >= 0) {
            // RoBERTa's mask token takes the space before it, so "a <mask>" predicts " word".
            added.add(
                    new AddedToken("<mask>", vocab.id("<mask>"), true, false, true, false, false));
        }
        int bos = vocab.id("<s>");
        int eos = vocab.id("</s>");
        TemplateProcessor post =
                bos >= 0 && eos >= 0 ? TemplateProcessor.roberta(bos, eos) : TemplateProcessor.NONE;
        return new PipelineTokenizer(
                added,
                null,
                new ByteLevelPreTokenizer(addPrefixSpace, true),
                new BpeModel(vocab, merges, null, null, null, false, false, false),
                post,
                "<pad>",
                0,
                EncodeOptions.DEFAULT);
    }

    /**
     * do_lower_case from a tokenizer_config.json beside vocab.txt; BERT's default (true) otherwise.
     */
    private static boolean doLowerCase(Path dir) throws IOException {
        return configFlag(dir, "do_lower_case", true);
    }

    private static boolean addPrefixSpace(Path dir) throws IOException {
        return configFlag(dir, "add_prefix_space", false);
    }

    private static boolean configFlag(Path dir, String key, boolean fallback) throws IOException {
        Path config = dir.resolve("tokenizer_config.json");
        if (!Files.exists(config)) {
            return fallback;
        }
        JsonNode v = new ObjectMapper().readTree(config.toFile()).path(key);
        return v.isBoolean() ? v.asBoolean() : fallback;
    }
}
