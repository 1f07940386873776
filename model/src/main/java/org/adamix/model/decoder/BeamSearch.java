package org.adamix.model.decoder;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Beam search as Hugging Face's {@code generate(num_beams, length_penalty, no_repeat_ngram_size,
 * max_new_tokens, eos_token_id)} runs it, the decoding of the AdaMix paper's NLG evaluation:
 *
 * <ul>
 *   <li>Each prompt keeps up to {@code beams} live hypotheses with their summed log-probabilities
 *       (log-softmax of the logits, in double). A step expands every live hypothesis by every
 *       token, minus those {@link NoRepeatNgram} bans (counted over prompt + output, as HF does),
 *       and ranks the candidates by summed log-probability.
 *   <li>In rank order: an EOS candidate among the first {@code beams} is finished (HF skips worse
 *       ones) and goes to {@link FinishedHypotheses}, scored logprob / length^lengthPenalty with
 *       length the generated tokens EOS included; the others become the next live hypotheses until
 *       there are {@code beams}.
 *   <li>A prompt stops once {@code beams} hypotheses are finished and no live one can beat the
 *       worst of them (the exact bound, HF's {@code early_stopping="never"}, not its default
 *       heuristic), or when none is live (when no-repeat n-grams ban every token, the live ones end
 *       there, without EOS). At {@code maxNewTokens} the live ones are finished with the same score
 *       (length maxNewTokens, no EOS).
 *   <li>The answer is the best finished hypothesis, its tokens without EOS.
 * </ul>
 *
 * <p>Ties are broken deterministically, so results are reproducible: among equal summed
 * log-probabilities the lower token id ranks first, then the lower parent beam (beams are numbered
 * in rank order); among equal finished scores the one finished first wins.
 *
 * <p>The KV cache carries every beam's past: each step reorders its rows to the surviving beams and
 * runs one batched step over all live beams of all prompts ({@link CachedLogits}); finished prompts
 * leave the batch. Not thread-safe, like the decoder.
 */
public final class BeamSearch {

    /** Where next-token logits come from: the KV cache, or (in tests) recomputation. */
    interface NextLogits {
        /** Each prompt's next-token logits [prompts][vocab]. */
        double[][] start(int[][] prompts, int maxNewTokens);

        /** Row r continues the previous call's row {@code from[r]} by {@code tokens[r]}. */
        double[][] advance(int[] from, int[] tokens);
    }

    /** A live hypothesis: its new tokens, summed log-probability and row in the last logits. */
    private record Live(int[] tokens, double logprob, int row) {}

    private final Gpt2Decoder decoder;
    private final BeamOptions options;

    public BeamSearch(Gpt2Decoder decoder, BeamOptions options) {
        this.decoder = decoder;
        this.options = options;
    }

    /** Each prompt's best continuation, without EOS. */
    public int[][] generate(int[][] prompts) {
        Hypothesis[] best = search(prompts);
        int[][] out = new int[best.length][];
        for (int p = 0; p < best.length; p++) out[p] = best[p].tokens();
        return out;
    }

    /** Each prompt's best hypothesis, with its log-probability and score. */
    public Hypothesis[] search(int[][] prompts) {
        return search(prompts, options, new CachedLogits(decoder));
    }

    static Hypothesis[] search(int[][] prompts, BeamOptions options, NextLogits source) {
        int n = prompts.length, beams = options.beams(), maxNew = options.maxNewTokens();
        for (int[] p : prompts)
            if (p.length == 0) throw new IllegalArgumentException("empty prompt");
        Hypothesis[] result = new Hypothesis[n];
        if (maxNew == 0) {
            Arrays.fill(result, new Hypothesis(new int[0], 0, 0));
            return result;
        }
        FinishedHypotheses[] finished = new FinishedHypotheses[n];
        List<List<Live>> live = new ArrayList<>();
        for (int p = 0; p < n; p++) {
            finished[p] = new FinishedHypotheses(beams, options.lengthPenalty());
            live.add(List.of(new Live(new int[0], 0, p)));
        }
        boolean[] done = new boolean[n];
        double[][] logits = source.start(prompts, maxNew);
        for (int length = 1; ; length++) {
            int[] from = new int[n * beams], tokens = new int[n * beams];
            int rows = 0;
            for (int p = 0; p < n; p++) {
                if (done[p]) continue;
                Candidates top = expand(prompts[p], live.get(p), logits, options);
                List<Live> next = new ArrayList<>();
                int[] parentRows = new int[beams];
                for (int r = 0; r < top.count && next.size() < beams; r++) {
                    Live parent = live.get(p).get(top.parent[r]);
                    if (top.token[r] == options.eos()) {
                        if (r < beams) finished[p].add(parent.tokens(), top.logprob[r], length);
                        continue;
                    }
                    int[] grown = Arrays.copyOf(parent.tokens(), length);
                    grown[length - 1] = top.token[r];
                    parentRows[next.size()] = parent.row();
                    next.add(new Live(grown, top.logprob[r], rows + next.size()));
                }
                if (next.isEmpty()) // every token banned: the hypotheses end where they are
                for (Live h : live.get(p))
                        finished[p].add(h.tokens(), h.logprob(), Math.max(length - 1, 1));
                live.set(p, next);
                done[p] = next.isEmpty() || finished[p].done(next.get(0).logprob(), length, maxNew);
                if (done[p]) continue;
                for (int i = 0; i < next.size(); i++) {
                    from[rows + i] = parentRows[i];
                    tokens[rows + i] = next.get(i).tokens()[length - 1];
                }
                rows += next.size();
            }
            if (rows == 0 || length == maxNew) break;
            logits = source.advance(Arrays.copyOf(from, rows), Arrays.copyOf(tokens, rows));
        }
        for (int p = 0; p < n; p++) {
            if (!done[p])
                for (Live h : live.get(p)) finished[p].add(h.tokens(), h.logprob(), maxNew);
            result[p] = finished[p].best();
        }
        return result;
    }

    /**
     * The best 2·beams expansions of one prompt's live hypotheses (HF's top 2·num_beams: enough
     * that EOS candidates cannot starve the live ones), best first.
     */
    private static Candidates expand(
            int[] prompt, List<Live> live, double[][] logits, BeamOptions options) {
        Candidates top = new Candidates(2 * options.beams());
        int[] sequence = new int[prompt.length + options.maxNewTokens()];
        System.arraycopy(prompt, 0, sequence, 0, prompt.length);
        for (int b = 0; b < live.size(); b++) {
            Live h = live.get(b);
            // each live hypothesis owns its row, read once per step: normalised in place
            double[] lp = logSoftmaxInPlace(logits[h.row()]);
            // HF bans after the log-softmax: the other tokens' probabilities are not renormalised
            System.arraycopy(h.tokens(), 0, sequence, prompt.length, h.tokens().length);
            int length = prompt.length + h.tokens().length;
            for (int v : NoRepeatNgram.banned(sequence, length, options.noRepeatNgram()))
                lp[v] = Double.NEGATIVE_INFINITY;
            for (int v = 0; v < lp.length; v++)
                if (lp[v] != Double.NEGATIVE_INFINITY) top.offer(h.logprob() + lp[v], v, b);
        }
        return top;
    }

    /** log softmax(x), in double: x - max - log Σ exp(x - max). */
    static double[] logSoftmax(double[] x) {
        return logSoftmaxInPlace(x.clone());
    }

    /** x becomes log softmax(x); returns x. */
    static double[] logSoftmaxInPlace(double[] x) {
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (double v : x) max = Math.max(max, v);
        for (double v : x) sum += Math.exp(v - max);
        double log = max + Math.log(sum);
        for (int i = 0; i < x.length; i++) x[i] -= log;
        return x;
    }

    /**
     * The k best (logprob, token, parent) seen, best first: higher log-probability, then lower
     * token, then lower parent.
     */
    private static final class Candidates {
        final double[] logprob;
        final int[] token, parent;
        int count;

        Candidates(int k) {
            logprob = new double[k];
            token = new int[k];
            parent = new int[k];
        }

        void offer(double lp, int v, int b) {
            int k = logprob.length;
            if (count == k && !before(lp, v, b, k - 1)) return;
            int i = Math.min(count, k - 1);
            // shift the worse ones down one place: k is small (2·beams)
            while (i > 0 && before(lp, v, b, i - 1)) {
                logprob[i] = logprob[i - 1];
                token[i] = token[i - 1];
                parent[i] = parent[i - 1];
                i--;
            }
            logprob[i] = lp;
            token[i] = v;
            parent[i] = b;
            if (count < k) count++;
        }

        private boolean before(double lp, int v, int b, int i) {
            if (lp != logprob[i]) return lp > logprob[i];
            if (v != token[i]) return v < token[i];
            return b < parent[i];
        }
    }
}
