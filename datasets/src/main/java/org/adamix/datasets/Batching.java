package org.adamix.datasets;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Pads tokenized sequences into batches. Pads to the longest sequence in the batch, not to the
 * maximum length: attention cost grows with the square of the padded length, and most batches of
 * short sentences are far shorter than the maximum. Truncation is the tokenizer's job; here a
 * sequence longer than the maximum is an error, not something to cut silently.
 */
public final class Batching {
    private Batching() {
    }

    /**
     * @param ids       token ids per sequence, each of length 1..maxLength
     * @param typeIds   segment ids per sequence, same lengths as {@code ids}
     * @param padId     id written into padding positions
     * @param maxLength the model's maximum sequence length
     */
    public static Batch pad(List<int[]> ids, List<int[]> typeIds, int padId, int maxLength) {
        if (ids.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one sequence");
        }
        if (typeIds.size() != ids.size()) {
            throw new IllegalArgumentException("got " + ids.size() + " id sequences but " + typeIds.size()
                    + " type id sequences");
        }
        if (maxLength <= 0) {
            throw new IllegalArgumentException("max length must be > 0, got " + maxLength);
        }
        int size = ids.size();
        int[] lengths = new int[size];
        int longest = 0;
        for (int i = 0; i < size; i++) {
            int[] seq = ids.get(i);
            int[] types = typeIds.get(i);
            if (seq == null || seq.length == 0) {
                throw new IllegalArgumentException("sequence " + i + " is empty");
            }
            if (seq.length > maxLength) {
                throw new IllegalArgumentException("sequence " + i + " has " + seq.length + " tokens, more than the max length "
                        + maxLength + " (truncate when tokenizing)");
            }
            if (types == null || types.length != seq.length) {
                throw new IllegalArgumentException("sequence " + i + " has " + seq.length + " ids but "
                        + (types == null ? 0 : types.length) + " type ids");
            }
            lengths[i] = seq.length;
            longest = Math.max(longest, seq.length);
        }
        int[] inputIds = new int[size * longest];
        int[] tokenTypes = new int[size * longest];
        float[] mask = new float[size * longest];
        Arrays.fill(inputIds, padId);
        for (int i = 0; i < size; i++) {
            int off = i * longest;
            System.arraycopy(ids.get(i), 0, inputIds, off, lengths[i]);
            System.arraycopy(typeIds.get(i), 0, tokenTypes, off, lengths[i]);
            Arrays.fill(mask, off, off + lengths[i], 1f);
        }
        return new Batch(size, longest, inputIds, tokenTypes, mask, lengths);
    }

    /** Groups a stream into lists of {@code batchSize}; the last group may be smaller. Streams, holds one group. */
    public static <T> Iterator<List<T>> groups(Iterator<T> items, int batchSize) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be > 0, got " + batchSize);
        }
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return items.hasNext();
            }

            @Override
            public List<T> next() {
                if (!items.hasNext()) {
                    throw new NoSuchElementException();
                }
                List<T> group = new ArrayList<>(batchSize);
                while (group.size() < batchSize && items.hasNext()) {
                    group.add(items.next());
                }
                return group;
            }
        };
    }
}
