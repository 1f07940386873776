package org.adamix.jobs.generation;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.adamix.datasets.tokenize.Tokenizer;
import org.adamix.jobs.spark.TokenizerFiles;
import org.adamix.jobs.spark.Weights;
import org.adamix.model.decoder.BeamOptions;
import org.adamix.model.decoder.BeamSearch;
import org.adamix.model.decoder.Gpt2LmModel;

/**
 * The per-partition step of {@code generate} and {@code evaluate --task generation}: this JVM's
 * model with the broadcast weights (evaluation mode: AdaMix's experts averaged, i.e. the merged
 * model), beam search with the KV cache over the partition's prompts in batches, the new tokens
 * decoded with the backbone's tokenizer.
 */
public final class Generator implements Serializable {
    private static final Map<String, Tokenizer> TOKENIZERS = new ConcurrentHashMap<>();

    private final GenerationSpec spec;
    private final BeamOptions options;
    private final int batchSize, maxPromptTokens, separator;
    private final boolean rawPrompt;

    /**
     * {@code separator} ends each prompt (the training layout) unless {@code rawPrompt}; prompts
     * longer than {@code maxPromptTokens} keep their last tokens.
     */
    public Generator(
            GenerationSpec spec,
            BeamOptions options,
            int batchSize,
            int maxPromptTokens,
            int separator,
            boolean rawPrompt) {
        this.spec = spec;
        this.options = options;
        this.batchSize = batchSize;
        this.maxPromptTokens = maxPromptTokens;
        this.separator = separator;
        this.rawPrompt = rawPrompt;
    }

    public List<Generated> run(
            Iterator<Prompt> prompts,
            Weights weights,
            ShippedGpt2 backbone,
            Map<String, byte[]> tokenizerFiles) {
        Tokenizer tok = tokenizer(backbone.key(), tokenizerFiles);
        List<Prompt> all = new ArrayList<>();
        prompts.forEachRemaining(all::add);
        List<Generated> out = new ArrayList<>();
        if (all.isEmpty()) return out;
        Gpt2LmModel m = GenerationModels.borrow(backbone, spec);
        try {
            if (weights != null) weights.loadInto(m);
            BeamSearch beam = new BeamSearch(m.decoder(), options);
            for (int i = 0; i < all.size(); i += batchSize) {
                List<Prompt> part = all.subList(i, Math.min(all.size(), i + batchSize));
                int[][] ids = new int[part.size()][];
                for (int k = 0; k < ids.length; k++) ids[k] = ids(tok, part.get(k).source());
                int[][] generated = beam.generate(ids);
                for (int k = 0; k < ids.length; k++) {
                    int[] g = generated[k];
                    String text = text(tok, g, options.eos());
                    out.add(new Generated(part.get(k).line(), part.get(k).id(), ids[k], g, text));
                }
            }
            return out;
        } finally {
            GenerationModels.giveBack(backbone, spec, m);
        }
    }

    private int[] ids(Tokenizer tok, String source) {
        int[] ids = tok.encode(source).ids();
        if (!rawPrompt) {
            ids = Arrays.copyOf(ids, ids.length + 1);
            ids[ids.length - 1] = separator;
        }
        ids = lastTokens(ids, maxPromptTokens);
        if (ids.length == 0) ids = new int[] {separator};
        return ids;
    }

    /** A prompt longer than {@code max} keeps its last tokens (they sit next to the new ones). */
    static int[] lastTokens(int[] ids, int max) {
        return ids.length <= max ? ids : Arrays.copyOfRange(ids, ids.length - max, ids.length);
    }

    /** The text of generated tokens, the end token (when it ended the beam) left out. */
    static String text(Tokenizer tok, int[] generated, int eos) {
        int end = generated.length;
        if (end > 0 && generated[end - 1] == eos) end--;
        return tok.decode(Arrays.copyOf(generated, end));
    }

    /** The tokenizer rebuilt once per executor JVM from its shipped files. */
    static Tokenizer tokenizer(String key, Map<String, byte[]> files) {
        return TOKENIZERS.computeIfAbsent(
                key,
                k -> {
                    try {
                        return TokenizerFiles.load(files);
                    } catch (IOException e) {
                        throw new UncheckedIOException("cannot rebuild the GPT-2 tokenizer", e);
                    }
                });
    }
}
