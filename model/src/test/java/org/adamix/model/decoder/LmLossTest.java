package org.adamix.model.decoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The LM objective on cases small enough to compute by hand. */
class LmLossTest {

    @Test
    void targetsCoverTheCompletionOnly() {
        LmBatch b =
                LmBatch.of(
                        List.of(new int[] {7, 8, 1}, new int[] {9, 1}),
                        List.of(new int[] {4, 5, 2}, new int[] {6, 2}));
        assertEquals(6, b.t());
        assertArrayEquals(new int[] {7, 8, 1, 4, 5, 2, 9, 1, 6, 2, 0, 0}, b.ids());
        assertArrayEquals(new int[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, b.mask());
        // column 2 (the separator) predicts the first completion token, the last column nothing
        assertArrayEquals(new int[] {-1, -1, 4, 5, 2, -1, -1, 6, 2, -1, -1, -1}, b.targets());
        assertEquals(5, b.targetCount());
    }

    /**
     * Vocabulary 2, one target token y = 0, logits p-view (0, ln 3) → p = (1/4, 3/4), q-view (0, 0)
     * → q = (1/2, 1/2). ε = 0.1: CE = 0.9·ln 4 + 0.1·½(ln 4 + ln(4/3)). KL(q‖p) = ½ ln 2 + ½
     * ln(2/3), KL(p‖q) = ¼ ln ½ + ¾ ln(3/2); w = 2 → consistency = 2·½·(KL(q‖p) + KL(p‖q)).
     */
    @Test
    void smoothedCrossEntropyPlusConsistencyByHand() {
        INDArray z = Nd4j.createFromArray(new double[][] {{0, Math.log(3)}, {0, 0}});
        INDArray d = Nd4j.zeros(z.dataType(), 2, 2);
        double ce = 0.9 * Math.log(4) + 0.1 * 0.5 * (Math.log(4) + Math.log(4.0 / 3));
        double klQP = 0.5 * Math.log(2) + 0.5 * Math.log(2.0 / 3);
        double klPQ = 0.25 * Math.log(0.5) + 0.75 * Math.log(1.5);
        double loss = new LmLoss(0.1, 2).compute(z, new int[] {0}, 2, d);
        assertEquals(ce + (klQP + klPQ), loss, 1e-12);
        // view 1: p − 0.9·onehot − 0.1/2 + w·½(p − q); view 2: w·½(q − p)
        assertEquals(0.25 - 0.9 - 0.05 + (0.25 - 0.5), d.getDouble(0, 0), 1e-12);
        assertEquals(0.75 - 0.05 + (0.75 - 0.5), d.getDouble(0, 1), 1e-12);
        assertEquals(0.5 - 0.25, d.getDouble(1, 0), 1e-12);
        assertEquals(0.5 - 0.75, d.getDouble(1, 1), 1e-12);
    }

    @Test
    void averagesOverTargetTokensAndIgnoresTheRest() {
        INDArray z = Nd4j.createFromArray(new double[][] {{5, -3}, {0, 0}, {1, 1}});
        double loss = new LmLoss(0, 0).compute(z, new int[] {-1, 0, 1}, 1, null);
        assertEquals(Math.log(2), loss, 1e-12);
        assertThrows(
                IllegalArgumentException.class,
                () -> new LmLoss(0, 0).compute(z, new int[] {-1, -1, -1}, 1, null));
    }
}
