package org.adamix.datasets;

/**
 * A padded batch in plain arrays, row-major {@code [size][length]}, ready to be wrapped as tensors.
 *
 * @param size          number of sequences
 * @param length        padded length: the longest sequence of this batch
 * @param inputIds      token ids, padding filled with the pad id
 * @param tokenTypeIds  segment ids, padding filled with 0
 * @param attentionMask 1 for real tokens, 0 for padding
 * @param lengths       real length of each sequence
 */
public record Batch(int size, int length, int[] inputIds, int[] tokenTypeIds, float[] attentionMask, int[] lengths) {

    public int inputId(int row, int position) {
        return inputIds[row * length + position];
    }

    public int tokenTypeId(int row, int position) {
        return tokenTypeIds[row * length + position];
    }

    public float mask(int row, int position) {
        return attentionMask[row * length + position];
    }
}
