package org.adamix.datasets.tokenize;

import java.util.List;

/**
 * Text to token ids, giving the same ids as the Hugging Face tokenizer the configuration came from.
 * Implementations are immutable and thread-safe. Create them with {@link Tokenizers#load}.
 */
public interface Tokenizer {

    /** Encodes one text with {@link #options()}. */
    default Encoding encode(String text) {
        return encode(text, null, options());
    }

    /** Encodes a sentence pair (type ids 0 then 1) with {@link #options()}. */
    default Encoding encode(String text, String pair) {
        return encode(text, pair, options());
    }

    /** Encodes one text ({@code pair == null}) or a pair with explicit options. */
    Encoding encode(String text, String pair, EncodeOptions options);

    /**
     * The text of token ids, special tokens included, as the Hugging Face ByteLevel decoder gives
     * it. Byte-level BPE only (GPT-2, RoBERTa): there the ids of a text encoded without special
     * tokens decode to that exact text (prefix space aside). Bytes that are not UTF-8 (a multi-byte
     * character cut by truncation) become U+FFFD.
     *
     * @throws UnsupportedOperationException for other tokenizers (WordPiece)
     * @throws IllegalArgumentException for an id outside the vocabulary
     */
    String decode(int[] ids);

    /**
     * The tokens of a text, without special tokens, truncation or padding (for inspection and
     * tests).
     */
    List<String> tokenize(String text);

    /**
     * The options {@link #encode(String)} uses: from the tokenizer file, or {@link
     * EncodeOptions#DEFAULT}.
     */
    EncodeOptions options();

    /** The same tokenizer with other default options. */
    Tokenizer withOptions(EncodeOptions options);

    SpecialTokens specialTokens();

    /** Size of the id space: model vocabulary plus added tokens. */
    int vocabSize();

    /** Id of a token, or -1. */
    int tokenToId(String token);

    /** Token of an id, or null. */
    String idToToken(int id);
}
