package org.adamix.datasets.tokenize;

/**
 * How {@link Tokenizer#encode} shapes its output.
 *
 * @param addSpecialTokens add [CLS]/[SEP] (or &lt;s&gt;/&lt;/s&gt;) around the sequences
 * @param maxLength total length including special tokens after truncation; 0 = no truncation
 * @param truncation which sequence to cut when longer than {@code maxLength}
 * @param padToLength pad with the pad token (attention mask 0) up to this length; 0 = no padding
 */
public record EncodeOptions(
        boolean addSpecialTokens, int maxLength, TruncationStrategy truncation, int padToLength) {

    /** Special tokens on, no truncation, no padding. */
    public static final EncodeOptions DEFAULT =
            new EncodeOptions(true, 0, TruncationStrategy.LONGEST_FIRST, 0);

    public EncodeOptions {
        if (maxLength < 0 || padToLength < 0) {
            throw new IllegalArgumentException("maxLength and padToLength must be >= 0");
        }
        if (truncation == null) {
            throw new IllegalArgumentException("truncation strategy must not be null");
        }
    }

    /**
     * Truncate to {@code max} tokens (longest first) and pad to the same length: the fixed-shape
     * batches training needs.
     */
    public static EncodeOptions fixedLength(int max) {
        return new EncodeOptions(true, max, TruncationStrategy.LONGEST_FIRST, max);
    }

    public EncodeOptions withMaxLength(int max) {
        return new EncodeOptions(addSpecialTokens, max, truncation, padToLength);
    }

    public EncodeOptions withTruncation(TruncationStrategy strategy) {
        return new EncodeOptions(addSpecialTokens, maxLength, strategy, padToLength);
    }

    public EncodeOptions withPadToLength(int length) {
        return new EncodeOptions(addSpecialTokens, maxLength, truncation, length);
    }

    public EncodeOptions withSpecialTokens(boolean add) {
        return new EncodeOptions(add, maxLength, truncation, padToLength);
    }
}
