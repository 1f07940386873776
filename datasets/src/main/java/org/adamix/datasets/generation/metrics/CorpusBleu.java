package org.adamix.datasets.generation.metrics;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Corpus BLEU-4 with several references per hypothesis, as NLTK's {@code corpus_bleu} computes it
 * with its defaults (uniform weights 1/4, no smoothing): n-gram matches clipped by the largest
 * count in any one reference, numerators and denominators summed over the corpus before dividing (a
 * sentence with fewer than n tokens still counts 1 in the denominator), brevity penalty {@code
 * exp(1 - r/c)} for a corpus length c not above r, the sum of each hypothesis's closest reference
 * length (the shorter one on a tie).
 *
 * <p>Corner cases follow NLTK (3.8): no unigram match at all gives 0; an order with no match at all
 * counts as a precision of {@link Double#MIN_NORMAL} (NLTK's "method0"), so the score is about
 * 1e-77 rather than exactly 0; an empty corpus output (c = 0) gives 0. Tokens are {@link
 * MetricTokens} (lower-cased, split on white space).
 */
public final class CorpusBleu {
    public static final int MAX_ORDER = 4;

    private final long[] matches = new long[MAX_ORDER];
    private final long[] totals = new long[MAX_ORDER];
    private long hypothesisLength;
    private long referenceLength;
    private double brevityPenalty;
    private double score;

    private CorpusBleu() {}

    /**
     * @param hypotheses one generated text per source
     * @param references the references of each source, in the same order; at least one each
     */
    public static CorpusBleu of(List<String> hypotheses, List<? extends List<String>> references) {
        checkSizes(hypotheses.size(), references);
        CorpusBleu b = new CorpusBleu();
        for (int i = 0; i < hypotheses.size(); i++) {
            b.add(MetricTokens.of(hypotheses.get(i)), MetricTokens.ofAll(references.get(i)));
        }
        b.finish();
        return b;
    }

    /** The same on texts already tokenized (by another tokenization than {@link MetricTokens}). */
    public static CorpusBleu ofTokens(
            List<? extends List<String>> hypotheses,
            List<? extends List<? extends List<String>>> references) {
        checkSizes(hypotheses.size(), references);
        CorpusBleu b = new CorpusBleu();
        for (int i = 0; i < hypotheses.size(); i++) {
            b.add(hypotheses.get(i), references.get(i));
        }
        b.finish();
        return b;
    }

    static void checkSizes(int hypotheses, List<? extends List<?>> references) {
        if (hypotheses != references.size()) {
            throw new IllegalArgumentException(
                    hypotheses + " hypotheses but " + references.size() + " reference lists");
        }
        for (int i = 0; i < references.size(); i++) {
            if (references.get(i).isEmpty()) {
                throw new IllegalArgumentException("hypothesis " + i + " has no reference");
            }
        }
    }

    private void add(List<String> hypothesis, List<? extends List<String>> references) {
        for (int n = 1; n <= MAX_ORDER; n++) {
            Map<List<String>, Integer> counts = ngrams(hypothesis, n);
            Map<List<String>, Integer> maxInAReference = new HashMap<>();
            for (List<String> reference : references) {
                Map<List<String>, Integer> inReference = ngrams(reference, n);
                for (List<String> gram : counts.keySet()) {
                    maxInAReference.merge(gram, inReference.getOrDefault(gram, 0), Math::max);
                }
            }
            long clipped = 0;
            long total = 0;
            for (Map.Entry<List<String>, Integer> e : counts.entrySet()) {
                clipped += Math.min(e.getValue(), maxInAReference.get(e.getKey()));
                total += e.getValue();
            }
            matches[n - 1] += clipped;
            totals[n - 1] += Math.max(1, total);
        }
        int c = hypothesis.size();
        int closest = -1;
        for (List<String> reference : references) {
            int r = reference.size();
            int d = Math.abs(r - c);
            if (closest < 0
                    || d < Math.abs(closest - c)
                    || (d == Math.abs(closest - c) && r < closest)) {
                closest = r;
            }
        }
        hypothesisLength += c;
        referenceLength += closest;
    }

    private static Map<List<String>, Integer> ngrams(List<String> tokens, int n) {
        Map<List<String>, Integer> counts = new HashMap<>();
        for (int i = 0; i + n <= tokens.size(); i++) {
            counts.merge(tokens.subList(i, i + n), 1, Integer::sum);
        }
        return counts;
    }

    private void finish() {
        if (hypothesisLength > referenceLength) {
            brevityPenalty = 1;
        } else if (hypothesisLength == 0) {
            brevityPenalty = 0;
        } else {
            brevityPenalty = Math.exp(1 - (double) referenceLength / hypothesisLength);
        }
        if (matches[0] == 0) {
            score = 0;
            return;
        }
        double logSum = 0;
        for (int n = 0; n < MAX_ORDER; n++) {
            double p = matches[n] == 0 ? Double.MIN_NORMAL : (double) matches[n] / totals[n];
            logSum += Math.log(p) / MAX_ORDER;
        }
        score = brevityPenalty * Math.exp(logSum);
    }

    /** BLEU in [0, 1]. */
    public double score() {
        return score;
    }

    /** Clipped n-gram matches over the corpus, n = 1..4. */
    public long matches(int n) {
        return matches[n - 1];
    }

    /** Hypothesis n-grams over the corpus (at least 1 per hypothesis), n = 1..4. */
    public long totals(int n) {
        return totals[n - 1];
    }

    /** The modified n-gram precision, matches / totals. */
    public double precision(int n) {
        return (double) matches[n - 1] / totals[n - 1];
    }

    /** c: the corpus's hypothesis tokens. */
    public long hypothesisLength() {
        return hypothesisLength;
    }

    /** r: the sum of the closest reference lengths. */
    public long referenceLength() {
        return referenceLength;
    }

    public double brevityPenalty() {
        return brevityPenalty;
    }

    @Override
    public String toString() {
        return String.format(
                "BLEU %.4f (p1..p4 %.4f %.4f %.4f %.4f, BP %.4f, c %d, r %d)",
                score,
                precision(1),
                precision(2),
                precision(3),
                precision(4),
                brevityPenalty,
                hypothesisLength,
                referenceLength);
    }
}
