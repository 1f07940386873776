package org.adamix.datasets.tokenize;

import java.util.Arrays;

/**
 * The result of encoding one text or one pair: token ids, token type (segment) ids and attention
 * mask, all of the same size. Padding positions have mask 0 and come after the {@link #length()}
 * real tokens. The arrays are returned without copying: do not modify them.
 */
public final class Encoding {
    private final int[] ids;
    private final int[] typeIds;
    private final int[] attentionMask;
    private final int length;

    public Encoding(int[] ids, int[] typeIds, int[] attentionMask, int length) {
        if (ids.length != typeIds.length
                || ids.length != attentionMask.length
                || length > ids.length) {
            throw new IllegalArgumentException(
                    "ids, typeIds and attentionMask must have the same size");
        }
        this.ids = ids;
        this.typeIds = typeIds;
        this.attentionMask = attentionMask;
        this.length = length;
    }

    public int[] ids() {
        return ids;
    }

    public int[] typeIds() {
        return typeIds;
    }

    public int[] attentionMask() {
        return attentionMask;
    }

    /** Number of real (non-padding) tokens, special tokens included. */
    public int length() {
        return length;
    }

    /** Number of positions, padding included. */
    public int size() {
        return ids.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Encoding e
                && length == e.length
                && Arrays.equals(ids, e.ids)
                && Arrays.equals(typeIds, e.typeIds)
                && Arrays.equals(attentionMask, e.attentionMask);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(ids) * 31 + Arrays.hashCode(typeIds);
    }

    @Override
    public String toString() {
        return "Encoding{ids="
                + Arrays.toString(ids)
                + ", typeIds="
                + Arrays.toString(typeIds)
                + ", length="
                + length
                + "}";
    }
}
