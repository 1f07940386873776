package org.adamix.jobs.generation;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.adamix.datasets.DatasetSpec;
import org.adamix.datasets.generation.GenerationExample;
import org.adamix.datasets.generation.GenerationReader;
import org.adamix.datasets.tokenize.Tokenizer;
import org.adamix.datasets.tokenize.Tokenizers;
import org.adamix.jobs.spark.FsPaths;
import org.adamix.jobs.spark.JobInputException;
import org.adamix.model.checkpoint.CheckpointException;
import org.adamix.model.checkpoint.Gpt2Backbone;
import org.adamix.model.checkpoint.Gpt2FolderReader;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Hugging Face GPT-2 folder from any Hadoop URI (config.json, model.safetensors, vocab.json +
 * merges.txt or tokenizer.json) and what generation needs from it: the backbone, its byte-level BPE
 * tokenizer, and the authors' layout of a training pair — source tokens, &lt;|endoftext|&gt; as
 * separator, then " " + target tokens and &lt;|endoftext|&gt; again as the end.
 */
public final class GenerationBackbone {
    private static final Logger LOG = LoggerFactory.getLogger(GenerationBackbone.class);
    public static final String END_OF_TEXT = "<|endoftext|>";
    static final String[] TOKENIZER_FILES = {
        "tokenizer.json", "vocab.json", "merges.txt", "tokenizer_config.json"
    };

    private final Gpt2Backbone backbone;
    private final Tokenizer tokenizer;
    private final Map<String, byte[]> tokenizerFiles;
    private final int endOfText;
    private final String key;

    private GenerationBackbone(
            Gpt2Backbone backbone, Tokenizer tokenizer, Map<String, byte[]> files, String key) {
        this.backbone = backbone;
        this.tokenizer = tokenizer;
        this.tokenizerFiles = files;
        this.key = key;
        this.endOfText = tokenizer.tokenToId(END_OF_TEXT);
        if (endOfText < 0 || endOfText >= backbone.config().vocabSize())
            throw new JobInputException(
                    "--backbone: the tokenizer has no "
                            + END_OF_TEXT
                            + " inside the model's vocabulary of "
                            + backbone.config().vocabSize());
    }

    public static GenerationBackbone open(String uri, Configuration conf) throws IOException {
        Path path = new Path(uri);
        FileSystem fs = path.getFileSystem(conf);
        if (!fs.exists(path))
            throw new JobInputException("backbone does not exist: " + fs.makeQualified(path));
        java.nio.file.Path local;
        java.nio.file.Path temp = null;
        if ("file".equals(fs.getScheme()))
            local = java.nio.file.Path.of(fs.makeQualified(path).toUri());
        else {
            temp = Files.createTempDirectory("adamix-gpt2-");
            local = FsPaths.copyToLocal(path, temp, conf);
        }
        try {
            Gpt2Backbone b;
            try {
                b = Gpt2FolderReader.read(local);
            } catch (CheckpointException e) {
                throw new JobInputException("--backbone: " + e.getMessage(), e);
            }
            Tokenizer tok;
            try {
                tok = Tokenizers.load(local);
            } catch (IOException e) {
                throw new JobInputException("--backbone " + uri + ": " + e.getMessage(), e);
            }
            Map<String, byte[]> files = new LinkedHashMap<>();
            for (String name : TOKENIZER_FILES)
                if (Files.isRegularFile(local.resolve(name)))
                    files.put(name, Files.readAllBytes(local.resolve(name)));
            String key =
                    fs.makeQualified(path) + "#" + Files.size(local.resolve("model.safetensors"));
            return new GenerationBackbone(b, tok, files, key);
        } finally {
            if (temp != null) FsPaths.deleteLocal(temp);
        }
    }

    /** A backbone built in memory (tests). */
    public static GenerationBackbone of(Gpt2Backbone b, Tokenizer tok, Map<String, byte[]> files) {
        return new GenerationBackbone(b, tok, files, b.name() + "#" + System.identityHashCode(b));
    }

    public Gpt2Backbone backbone() {
        return backbone;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** The tokenizer's files, copied next to an exported model. */
    public Map<String, byte[]> tokenizerFiles() {
        return tokenizerFiles;
    }

    public int endOfText() {
        return endOfText;
    }

    /** Keys the executors' cache of this backbone. */
    String key() {
        return key;
    }

    /** The prompt of a source: its tokens and the separator. */
    public int[] prompt(String source) {
        return append(tokenizer.encode(source).ids(), endOfText);
    }

    /** Tokens of prompt + completion before any cut. */
    int length(String source, String target) {
        return prompt(source).length + completion(target).length;
    }

    private int[] completion(String target) {
        return append(tokenizer.encode(" " + target).ids(), endOfText);
    }

    /**
     * The pair as the model trains on it, at most {@code maxLength} tokens (and n_positions): the
     * target is cut first (its end token kept out then), the source only if it alone is too long.
     */
    LmExample example(String source, String target, int maxLength) {
        int max = Math.min(maxLength, backbone.config().maxPositions());
        int[] p = prompt(source), c = completion(target);
        if (p.length > max - 1) {
            int[] cut = Arrays.copyOfRange(p, p.length - (max - 1), p.length);
            p = cut; // the source's end and the separator stay: they sit next to the target
        }
        if (p.length + c.length > max) c = Arrays.copyOf(c, max - p.length);
        return new LmExample(p, c);
    }

    /**
     * Every source → target pair of {@code paths} in the training layout (read on the driver);
     * {@code option} names the files in errors and in the warning about pairs cut to {@code
     * maxLength}.
     */
    List<LmExample> pairs(
            DatasetSpec spec,
            Configuration conf,
            List<String> paths,
            String option,
            int maxLength) {
        List<GenerationExample> rows =
                GenerationReader.readAll(spec, conf, paths.toArray(new String[0]));
        if (rows.isEmpty()) throw new JobInputException(option + ": no rows in " + paths);
        List<LmExample> out = new ArrayList<>();
        int truncated = 0;
        for (GenerationExample e : rows) {
            LmExample x = example(e.source(), e.target(), maxLength);
            if (x.length() < length(e.source(), e.target())) truncated++;
            out.add(x);
        }
        if (truncated > 0)
            LOG.warn(
                    "{}: {} of {} pairs cut to --max-length {}",
                    option,
                    truncated,
                    rows.size(),
                    maxLength);
        return out;
    }

    private static int[] append(int[] a, int last) {
        int[] out = Arrays.copyOf(a, a.length + 1);
        out[a.length] = last;
        return out;
    }
}
