package org.adamix.jobs.generation;

import java.io.Serializable;

/**
 * One tokenized source → target pair: the prompt (source tokens and the separator) and the
 * completion (" " + target tokens and the end token), the authors' GPT-2 layout.
 */
public record LmExample(int[] prompt, int[] completion) implements Serializable {
    public int length() {
        return prompt.length + completion.length;
    }
}
