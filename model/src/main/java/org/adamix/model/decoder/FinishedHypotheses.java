package org.adamix.model.decoder;

import java.util.ArrayList;
import java.util.List;

/**
 * One prompt's best finished hypotheses, at most {@code beams} of them (Hugging Face's {@code
 * BeamHypotheses}), each scored by {@link #score}. A new one enters while there is room or when it
 * beats the worst, which then leaves; among equal scores the earlier stays ahead.
 */
final class FinishedHypotheses {
    private final int beams;
    private final double lengthPenalty;
    private final List<Hypothesis> kept = new ArrayList<>();

    FinishedHypotheses(int beams, double lengthPenalty) {
        this.beams = beams;
        this.lengthPenalty = lengthPenalty;
    }

    /**
     * HF's length-normalised score: logprob / length^lengthPenalty, where length counts the
     * generated tokens, EOS included when the hypothesis emitted one (HF's {@code generated_len}).
     */
    static double score(double logprob, int length, double lengthPenalty) {
        return logprob / Math.pow(length, lengthPenalty);
    }

    /** Offers a hypothesis of {@code length} generated tokens ({@code tokens} without EOS). */
    void add(int[] tokens, double logprob, int length) {
        double s = score(logprob, length, lengthPenalty);
        if (kept.size() == beams) {
            if (!(s > worst())) return;
            kept.remove(worstIndex());
        }
        kept.add(new Hypothesis(tokens, logprob, s));
    }

    int size() {
        return kept.size();
    }

    /** The lowest kept score (the latest of equals); -∞ when none is kept. */
    double worst() {
        return kept.isEmpty() ? Double.NEGATIVE_INFINITY : kept.get(worstIndex()).score();
    }

    /** The highest score, the earliest of equals; null when none is kept. */
    Hypothesis best() {
        Hypothesis best = null;
        for (Hypothesis h : kept) if (best == null || h.score() > best.score()) best = h;
        return best;
    }

    /**
     * Whether no live hypothesis can still enter: all places taken and the worst score at least the
     * best a live one can reach. Exact, as HF's {@code early_stopping="never"}: log-probabilities
     * only fall, so the best reachable is the best live sum over the length that divides it most,
     * the maximum for a positive penalty, the next one otherwise.
     */
    boolean done(double bestLiveLogprob, int liveLength, int maxLength) {
        if (kept.size() < beams) return false;
        int length = lengthPenalty > 0 ? maxLength : Math.min(liveLength + 1, maxLength);
        return worst() >= score(bestLiveLogprob, length, lengthPenalty);
    }

    private int worstIndex() {
        int worst = 0;
        for (int i = 1; i < kept.size(); i++)
            if (kept.get(i).score() <= kept.get(worst).score()) worst = i;
        return worst;
    }
}
