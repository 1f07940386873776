package org.adamix.model.decoder;

/**
 * One output of beam search.
 *
 * @param tokens the new tokens, EOS excluded
 * @param logprob their summed log-probability (EOS's included when it was emitted)
 * @param score logprob / generated_length^length_penalty, as {@link FinishedHypotheses#score}
 */
public record Hypothesis(int[] tokens, double logprob, double score) {}
