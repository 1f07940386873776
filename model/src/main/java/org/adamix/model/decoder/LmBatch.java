package org.adamix.model.decoder;

import java.util.Arrays;
import java.util.List;

/**
 * A batch of source → target sequences for language-model training, as the authors' GPT-2 data
 * loader lays it out: each row is prompt ++ completion, right-padded to the longest row; the target
 * of column i is the token at column i + 1 when that token belongs to the completion, else none
 * (−1): the loss covers the completion only (their {@code lm_mask}).
 *
 * @param ids [batch·t] row-major token ids (padding 0)
 * @param mask [batch·t]: 1 token, 0 padding
 * @param targets [batch·t]: the next token to predict, −1 where there is no loss
 */
public record LmBatch(int[] ids, int[] mask, int[] targets, int batch, int t) {

    /**
     * Rows prompt_i ++ completion_i; the prompt carries the separator the caller chose (the authors
     * end it with GPT-2's &lt;|endoftext|&gt;), the completion its end token.
     */
    public static LmBatch of(List<int[]> prompts, List<int[]> completions) {
        if (prompts.size() != completions.size() || prompts.isEmpty())
            throw new IllegalArgumentException(
                    prompts.size() + " prompts for " + completions.size() + " completions");
        int batch = prompts.size(), t = 0;
        for (int b = 0; b < batch; b++) {
            if (prompts.get(b).length == 0 || completions.get(b).length == 0)
                throw new IllegalArgumentException("row " + b + ": empty prompt or completion");
            t = Math.max(t, prompts.get(b).length + completions.get(b).length);
        }
        int[] ids = new int[batch * t], mask = new int[batch * t], targets = new int[batch * t];
        Arrays.fill(targets, -1);
        for (int b = 0; b < batch; b++) {
            int[] p = prompts.get(b), c = completions.get(b);
            int at = b * t;
            System.arraycopy(p, 0, ids, at, p.length);
            System.arraycopy(c, 0, ids, at + p.length, c.length);
            Arrays.fill(mask, at, at + p.length + c.length, 1);
            // column p.length − 1 + j predicts completion token j
            for (int j = 0; j < c.length; j++) targets[at + p.length - 1 + j] = c[j];
        }
        return new LmBatch(ids, mask, targets, batch, t);
    }

    /** Tokens that carry a loss. */
    public int targetCount() {
        int n = 0;
        for (int y : targets) if (y >= 0) n++;
        return n;
    }

    /** The rows repeated {@code views} times (views of the consistency loss), targets once. */
    int[] repeated(int[] rows, int views) {
        int[] out = new int[rows.length * views];
        for (int v = 0; v < views; v++)
            System.arraycopy(rows, 0, out, v * rows.length, rows.length);
        return out;
    }
}
