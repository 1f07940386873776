package org.adamix.datasets.tokenize;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The Hugging Face Rust tokenizers, through DJL, configured like one of our {@link EncodeOptions}.
 * The native library ships inside the DJL jar; it is unpacked under target/ and nothing is
 * downloaded.
 */
final class ReferenceTokenizer implements AutoCloseable {
    static {
        System.setProperty(
                "DJL_CACHE_DIR", Path.of("target", "djl-cache").toAbsolutePath().toString());
        System.setProperty("ai.djl.offline", "true");
    }

    private final HuggingFaceTokenizer tokenizer;

    ReferenceTokenizer(Path tokenizerJson, EncodeOptions options) throws IOException {
        HuggingFaceTokenizer.Builder b =
                HuggingFaceTokenizer.builder()
                        .optTokenizerPath(tokenizerJson)
                        .optAddSpecialTokens(options.addSpecialTokens())
                        .optTruncation(options.maxLength() > 0)
                        .optPadding(options.padToLength() > 0);
        if (options.maxLength() > 0) {
            b.optMaxLength(options.maxLength());
            switch (options.truncation()) {
                case ONLY_FIRST -> b.optTruncateFirstOnly();
                case ONLY_SECOND -> b.optTruncateSecondOnly();
                default -> b.optTruncation(true);
            }
        }
        if (options.padToLength() > 0) {
            if (options.maxLength() != options.padToLength()) {
                throw new IllegalArgumentException("the reference pads to its max length only");
            }
            b.optPadToMaxLength();
        }
        tokenizer = b.build();
    }

    /**
     * The reference's encoding as ours, or null when the reference refuses (e.g. only_first too
     * short).
     */
    Encoding encode(String text, String pair) {
        ai.djl.huggingface.tokenizers.Encoding e;
        try {
            e = pair == null ? tokenizer.encode(text) : tokenizer.encode(text, pair);
        } catch (RuntimeException refused) {
            return null;
        }
        int[] mask = toInt(e.getAttentionMask());
        return new Encoding(
                toInt(e.getIds()), toInt(e.getTypeIds()), mask, Arrays.stream(mask).sum());
    }

    /**
     * The reference's text of ids, special tokens kept (its decoder as the tokenizer.json
     * configures it).
     */
    String decode(int[] ids) {
        return tokenizer.decode(Arrays.stream(ids).asLongStream().toArray(), false);
    }

    String[] tokens(String text) {
        return tokenizer.encode(text).getTokens();
    }

    private static int[] toInt(long[] a) {
        return Arrays.stream(a).mapToInt(Math::toIntExact).toArray();
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
