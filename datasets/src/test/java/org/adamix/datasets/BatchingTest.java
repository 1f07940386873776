package org.adamix.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Iterator;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BatchingTest {

    @Test
    void padsToTheLongestSequenceOfTheBatchNotToMaxLength() {
        Batch b = Batching.pad(List.of(new int[] {101, 7, 102}, new int[] {101, 8, 9, 102, 5, 102}),
                List.of(new int[] {0, 0, 0}, new int[] {0, 0, 0, 0, 1, 1}), 0, 128);
        assertEquals(2, b.size());
        assertEquals(6, b.length());
        assertArrayEquals(new int[] {101, 7, 102, 0, 0, 0, 101, 8, 9, 102, 5, 102}, b.inputIds());
        assertArrayEquals(new int[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1}, b.tokenTypeIds());
        assertArrayEquals(new float[] {1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1}, b.attentionMask());
        assertArrayEquals(new int[] {3, 6}, b.lengths());
        assertEquals(102, b.inputId(0, 2));
        assertEquals(1, b.tokenTypeId(1, 5));
        assertEquals(0f, b.mask(0, 3));
    }

    @Test
    void padIdIsWhatTheTokenizerSays() {
        Batch b = Batching.pad(List.of(new int[] {5}, new int[] {5, 6}), List.of(new int[] {0}, new int[] {0, 0}), 1, 4);
        assertArrayEquals(new int[] {5, 1, 5, 6}, b.inputIds()); // RoBERTa pads with 1
    }

    @Test
    void validatesLengths() {
        assertEquals("sequence 1 has 5 tokens, more than the max length 4 (truncate when tokenizing)",
                assertThrows(IllegalArgumentException.class, () -> Batching.pad(List.of(new int[] {1}, new int[5]),
                        List.of(new int[1], new int[5]), 0, 4)).getMessage());
        assertEquals("sequence 0 has 2 ids but 1 type ids", assertThrows(IllegalArgumentException.class,
                () -> Batching.pad(List.of(new int[2]), List.of(new int[1]), 0, 4)).getMessage());
        assertEquals("sequence 0 is empty", assertThrows(IllegalArgumentException.class,
                () -> Batching.pad(List.of(new int[0]), List.of(new int[0]), 0, 4)).getMessage());
        assertEquals("a batch needs at least one sequence", assertThrows(IllegalArgumentException.class,
                () -> Batching.pad(List.of(), List.of(), 0, 4)).getMessage());
        assertEquals("got 1 id sequences but 2 type id sequences", assertThrows(IllegalArgumentException.class,
                () -> Batching.pad(List.of(new int[1]), List.of(new int[1], new int[1]), 0, 4)).getMessage());
    }

    @Test
    void groupsKeepOrderAndEmitTheRemainder() {
        Iterator<List<Integer>> g = Batching.groups(IntStream.range(0, 7).boxed().iterator(), 3);
        assertEquals(List.of(0, 1, 2), g.next());
        assertEquals(List.of(3, 4, 5), g.next());
        assertEquals(List.of(6), g.next());
        assertEquals(false, g.hasNext());
    }
}
