package org.adamix.datasets.generation.metrics;

import java.util.List;

/**
 * ROUGE-L as the E2E challenge scorer computes it (the coco-caption implementation): for each
 * hypothesis, the longest common subsequence (LCS) of tokens with each of its references gives a
 * precision LCS/|hypothesis| and a recall LCS/|reference|; the best precision and the best recall
 * over the references (possibly from different references: this is not the best F over references)
 * make {@code F = (1 + β²)·P·R / (R + β²·P)} with β = 1.2, or 0 when P or R is 0. The corpus score
 * is the mean of the sentence scores. An empty hypothesis, or an empty reference, contributes
 * precision and recall 0 (coco-caption would count the empty string as one token). Tokens are
 * {@link MetricTokens} (lower-cased, split on white space); the E2E scorer counts PTB tokens
 * without punctuation instead.
 */
public final class RougeL {
    public static final double BETA = 1.2;

    private RougeL() {}

    /**
     * The mean sentence score of a corpus; references in the order of the hypotheses, at least one
     * each.
     */
    public static double corpus(List<String> hypotheses, List<? extends List<String>> references) {
        CorpusBleu.checkSizes(hypotheses.size(), references);
        if (hypotheses.isEmpty()) {
            throw new IllegalArgumentException("ROUGE-L of an empty corpus is undefined");
        }
        double sum = 0;
        for (int i = 0; i < hypotheses.size(); i++) {
            sum +=
                    sentence(
                            MetricTokens.of(hypotheses.get(i)),
                            MetricTokens.ofAll(references.get(i)));
        }
        return sum / hypotheses.size();
    }

    /** One hypothesis against its references, on tokens. */
    public static double sentence(
            List<String> hypothesis, List<? extends List<String>> references) {
        double bestPrecision = 0;
        double bestRecall = 0;
        for (List<String> reference : references) {
            int lcs = lcs(reference, hypothesis);
            if (!hypothesis.isEmpty()) {
                bestPrecision = Math.max(bestPrecision, lcs / (double) hypothesis.size());
            }
            if (!reference.isEmpty()) {
                bestRecall = Math.max(bestRecall, lcs / (double) reference.size());
            }
        }
        if (bestPrecision == 0 || bestRecall == 0) {
            return 0;
        }
        // Evaluated in coco-caption's order, so that the doubles agree to the last bit.
        double beta2 = BETA * BETA;
        return (1 + beta2) * bestPrecision * bestRecall / (bestRecall + beta2 * bestPrecision);
    }

    /** Length of the longest common subsequence, one row of the dynamic programme at a time. */
    static int lcs(List<String> a, List<String> b) {
        int[] previous = new int[b.size() + 1];
        int[] current = new int[b.size() + 1];
        for (String x : a) {
            for (int j = 1; j <= b.size(); j++) {
                current[j] =
                        x.equals(b.get(j - 1))
                                ? previous[j - 1] + 1
                                : Math.max(previous[j], current[j - 1]);
            }
            int[] t = previous;
            previous = current;
            current = t;
        }
        return previous[b.size()];
    }
}
