package org.adamix.jobs.data;

import java.util.Arrays;
import org.adamix.datasets.Example;
import org.adamix.datasets.tokenize.EncodeOptions;
import org.adamix.datasets.tokenize.Encoding;
import org.adamix.datasets.tokenize.Tokenizer;
import org.adamix.datasets.tokenize.TruncationStrategy;

/**
 * Example → token ids: special tokens, truncated (longest first) to the maximum length, not padded.
 */
public final class ExampleEncoder {
    private final Tokenizer tokenizer;
    private final EncodeOptions options;

    public ExampleEncoder(Tokenizer tokenizer, int maxLength) {
        this.tokenizer = tokenizer;
        this.options = new EncodeOptions(true, maxLength, TruncationStrategy.LONGEST_FIRST, 0);
    }

    public TokenizedExample encode(Example e) {
        Encoding enc = tokenizer.encode(e.textA(), e.textB(), options);
        int n = enc.length();
        double label =
                e.label() >= 0 ? e.label() : Float.isNaN(e.target()) ? Double.NaN : e.target();
        return new TokenizedExample(
                e.id(), Arrays.copyOf(enc.ids(), n), Arrays.copyOf(enc.typeIds(), n), label);
    }
}
