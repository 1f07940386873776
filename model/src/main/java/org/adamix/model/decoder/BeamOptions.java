package org.adamix.model.decoder;

/**
 * Beam search's settings, as Hugging Face's {@code generate} names them; the AdaMix (and LoRA) E2E
 * evaluation uses beams 10, length penalty 0.8, no-repeat n-gram size 4.
 *
 * @param beams hypotheses kept per prompt [num_beams]
 * @param lengthPenalty exponent of the generated length that divides a finished hypothesis's summed
 *     log-probability [length_penalty]; above 0 favours longer outputs
 * @param noRepeatNgram no n-gram of this size occurs twice in prompt + output; 0 turns it off
 *     [no_repeat_ngram_size]
 * @param maxNewTokens generated tokens at most, EOS included [max_new_tokens]
 * @param eos the end-of-sequence token; negative: none [eos_token_id]
 */
public record BeamOptions(
        int beams, double lengthPenalty, int noRepeatNgram, int maxNewTokens, int eos)
        implements java.io.Serializable {

    public BeamOptions {
        if (beams <= 0) throw new IllegalArgumentException("beams must be positive: " + beams);
        if (noRepeatNgram < 0)
            throw new IllegalArgumentException(
                    "no-repeat n-gram size is negative: " + noRepeatNgram);
        if (maxNewTokens < 0)
            throw new IllegalArgumentException("max new tokens is negative: " + maxNewTokens);
        if (Double.isNaN(lengthPenalty) || Double.isInfinite(lengthPenalty))
            throw new IllegalArgumentException("length penalty must be finite: " + lengthPenalty);
    }

    /** The AdaMix paper's E2E setting: 10 beams, length penalty 0.8, no repeated 4-grams. */
    public static BeamOptions adamixNlg(int maxNewTokens, int eos) {
        return new BeamOptions(10, 0.8, 4, maxNewTokens, eos);
    }
}
