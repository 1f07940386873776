package org.adamix.model.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Scratch buffers share storage by kind and position once shared; kept buffers never do. */
class BuffersTest {
    @Test
    void theKthScratchBufferOfEveryLayerOfAKindIsOneArray() {
        ScratchPool pool = new ScratchPool();
        Buffers first = new Buffers(DataType.FLOAT), second = new Buffers(DataType.FLOAT);
        Buffers other = new Buffers(DataType.FLOAT);
        Buffer kept1 = first.next(), a1 = first.scratch(), b1 = first.scratch();
        Buffer kept2 = second.next(), a2 = second.scratch();
        Buffer o = other.scratch();
        first.share(pool, "Layer");
        second.share(pool, "Layer");
        other.share(pool, "Other");
        Buffer b2 = second.scratch(); // made after sharing: shared at once

        a1.get(4).assign(1);
        b1.get(4).assign(2);
        kept1.get(4).assign(3);
        kept2.get(4).assign(4);
        o.get(4).assign(5);
        assertEquals(1f, a2.get(4).getFloat(0), "same kind, same position");
        assertEquals(2f, b2.get(4).getFloat(0));
        assertEquals(3f, kept1.get(4).getFloat(0), "kept buffers are the layer's own");
        assertEquals(1f, a1.get(4).getFloat(0), "another kind has its own");

        INDArray grown = a2.get(10); // growth is seen through every sharer
        grown.assign(7);
        assertEquals(7f, a1.get(10).getFloat(9));
        assertEquals(2 * 4 * 4L, first.bytes() + second.bytes(), "only the kept buffers count");
        assertEquals(
                (10 + 4 + 4) * 4L, pool.bytes(), "the pool: 10 + 4 floats of Layer, 4 of Other");
    }

    /**
     * Batches of varying length: a buffer that must grow takes half again as much (so lengths that
     * creep up reallocate a few times, not at every new longest batch), and shorter shapes after it
     * are views of the same memory.
     */
    @Test
    void growthTakesHalfAgainAndShorterBatchesReuseTheMemory() {
        Buffer b = new Buffers(DataType.FLOAT).next();
        b.get(16, 100);
        assertEquals(16 * 100 * 4L, b.bytes(), "the first size is exact");
        b.get(16, 101);
        assertEquals(16 * 100 * 3 / 2 * 4L, b.bytes(), "grown by half");
        long address = b.get(16, 101).data().address();
        for (int t = 102; t <= 150; t++) {
            b.get(16, t).assign(t);
            assertEquals(address, b.get(16, t).data().address(), "no reallocation at t=" + t);
        }
        assertEquals(150f, b.get(16, 150).getFloat(16 * 150 - 1));
        assertEquals(150f, b.get(8, 10).getFloat(0), "a shorter batch: a view of the same memory");
        assertEquals(address, b.get(8, 10).data().address());
        b.get(16, 151);
        assertEquals(16 * 100 * 9 / 4 * 4L, b.bytes(), "and half again");
    }

    /**
     * The memory is not counted against JavaCPP's maxbytes (ND4J's own arrays are not either): the
     * deploy scripts' off-heap budgets were measured that way.
     */
    @Test
    void buffersAreNotCountedAgainstJavaCppsBudget() {
        long before = org.bytedeco.javacpp.Pointer.totalBytes();
        Buffer b = new Buffers(DataType.FLOAT).next();
        b.get(1000, 1000).assign(3);
        b.get(1000, 1001).assign(4); // grown: the old memory freed, new memory taken
        assertEquals(4f, b.get(1000, 1001).getFloat(1000 * 1001 - 1));
        long counted = org.bytedeco.javacpp.Pointer.totalBytes() - before;
        // ND4J's shape descriptors are JavaCPP pointers of a few bytes; the 8 MB are not counted
        assertTrue(counted < 1 << 16, counted + " bytes counted");
    }
}
