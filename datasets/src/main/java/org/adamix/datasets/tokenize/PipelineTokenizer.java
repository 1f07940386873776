package org.adamix.datasets.tokenize;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Hugging Face pipeline: added tokens are cut out of the raw text, the rest is normalized,
 * split into words and each word cut into pieces by the model; then truncation, special tokens,
 * padding.
 */
final class PipelineTokenizer implements Tokenizer {
    private final AddedTokenSplitter rawAddedTokens;
    private final AddedTokenSplitter normalizedAddedTokens;
    private final Normalizer normalizer;
    private final PreTokenizer preTokenizer;
    private final TokenModel model;
    private final TemplateProcessor postProcessor;
    private final Map<String, Integer> addedIds = new HashMap<>();
    private final Map<Integer, String> addedTokens = new HashMap<>();
    private final SpecialTokens specialTokens;
    private final int padId;
    private final int padTypeId;
    private final int vocabSize;
    private final EncodeOptions options;

    /**
     * @param padToken pad token name (from the padding config), or null to use the usual [PAD] /
     *     &lt;pad&gt;
     */
    PipelineTokenizer(
            List<AddedToken> added,
            Normalizer normalizer,
            PreTokenizer preTokenizer,
            TokenModel model,
            TemplateProcessor postProcessor,
            String padToken,
            int padTypeId,
            EncodeOptions options) {
        List<AddedToken> raw = new ArrayList<>();
        List<AddedToken> normalized = new ArrayList<>();
        for (AddedToken t : added) {
            addedIds.put(t.content(), t.id());
            addedTokens.put(t.id(), t.content());
            if (t.normalized() && normalizer != null) {
                // Matched after normalization, so its own text is normalized the same way.
                normalized.add(
                        new AddedToken(
                                normalizer.normalize(t.content()),
                                t.id(),
                                t.special(),
                                t.singleWord(),
                                t.lstrip(),
                                t.rstrip(),
                                true));
            } else {
                raw.add(t);
            }
        }
        this.rawAddedTokens = new AddedTokenSplitter(raw);
        this.normalizedAddedTokens = new AddedTokenSplitter(normalized);
        this.normalizer = normalizer == null ? Normalizer.IDENTITY : normalizer;
        this.preTokenizer = preTokenizer;
        this.model = model;
        this.postProcessor = postProcessor;
        this.specialTokens = SpecialTokens.find(this::tokenToId);
        int pad = padToken == null ? -1 : tokenToId(padToken);
        this.padId = pad >= 0 ? pad : Math.max(specialTokens.pad(), 0);
        this.padTypeId = padTypeId;
        int size = model.vocab().size();
        for (int id : addedTokens.keySet()) {
            if (model.vocab().token(id) == null) {
                size++;
            }
        }
        this.vocabSize = size;
        this.options = options;
    }

    private PipelineTokenizer(PipelineTokenizer base, EncodeOptions options) {
        this.rawAddedTokens = base.rawAddedTokens;
        this.normalizedAddedTokens = base.normalizedAddedTokens;
        this.normalizer = base.normalizer;
        this.preTokenizer = base.preTokenizer;
        this.model = base.model;
        this.postProcessor = base.postProcessor;
        this.addedIds.putAll(base.addedIds);
        this.addedTokens.putAll(base.addedTokens);
        this.specialTokens = base.specialTokens;
        this.padId = base.padId;
        this.padTypeId = base.padTypeId;
        this.vocabSize = base.vocabSize;
        this.options = options;
    }

    @Override
    public Encoding encode(String text, String pair, EncodeOptions opts) {
        IntList a = ids(text);
        IntList b = pair == null ? null : ids(pair);
        int specials = opts.addSpecialTokens() ? postProcessor.addedTokens(b != null) : 0;
        if (opts.maxLength() > 0) {
            if (opts.maxLength() < specials) {
                throw new IllegalArgumentException(
                        "maxLength "
                                + opts.maxLength()
                                + " leaves no room for the "
                                + specials
                                + " special tokens");
            }
            Truncation.apply(a, b, opts.maxLength() - specials, opts.truncation());
        }
        int length = a.size() + (b == null ? 0 : b.size()) + specials;
        IntList ids = new IntList(Math.max(length, opts.padToLength()));
        IntList typeIds = new IntList(Math.max(length, opts.padToLength()));
        (opts.addSpecialTokens() ? postProcessor : TemplateProcessor.NONE)
                .apply(a, b, ids, typeIds);
        int[] mask = new int[Math.max(length, opts.padToLength())];
        Arrays.fill(mask, 0, length, 1);
        for (int i = length; i < opts.padToLength(); i++) {
            ids.add(padId);
            typeIds.add(padTypeId);
        }
        return new Encoding(ids.toArray(), typeIds.toArray(), mask, length);
    }

    /** The model ids of one text, before truncation and special tokens. */
    private IntList ids(String text) {
        IntList out = new IntList(text.length() / 4 + 8);
        List<String> words = new ArrayList<>();
        rawAddedTokens.split(
                text,
                segment -> {
                    String normalized = normalizer.normalize(segment);
                    normalizedAddedTokens.split(
                            normalized,
                            piece -> {
                                words.clear();
                                preTokenizer.split(piece, words);
                                for (String word : words) {
                                    out.addAll(model.tokenize(word));
                                }
                            },
                            out::add);
                },
                out::add);
        return out;
    }

    @Override
    public String decode(int[] ids) {
        // Every byte-level BPE model Hugging Face ships pairs the ByteLevel pre-tokenizer with the
        // ByteLevel decoder.
        if (!(preTokenizer instanceof ByteLevelPreTokenizer)) {
            throw new UnsupportedOperationException(
                    "decode is implemented for byte-level BPE tokenizers only");
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(ids.length * 4);
        for (int id : ids) {
            String token = idToToken(id);
            if (token == null) {
                throw new IllegalArgumentException(
                        "token id " + id + " is not in the vocabulary (size " + vocabSize + ")");
            }
            ByteLevelAlphabet.appendBytes(token, bytes);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Override
    public List<String> tokenize(String text) {
        IntList ids = ids(text);
        List<String> tokens = new ArrayList<>(ids.size());
        for (int i = 0; i < ids.size(); i++) {
            tokens.add(idToToken(ids.get(i)));
        }
        return tokens;
    }

    @Override
    public EncodeOptions options() {
        return options;
    }

    @Override
    public Tokenizer withOptions(EncodeOptions newOptions) {
        return new PipelineTokenizer(this, newOptions);
    }

    @Override
    public SpecialTokens specialTokens() {
        return specialTokens;
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public int tokenToId(String token) {
        Integer id = addedIds.get(token);
        return id != null ? id : model.vocab().id(token);
    }

    @Override
    public String idToToken(int id) {
        String t = addedTokens.get(id);
        return t != null ? t : model.vocab().token(id);
    }
}
