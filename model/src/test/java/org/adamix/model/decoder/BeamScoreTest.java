package org.adamix.model.decoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The length penalty: score = logprob / generated_length^penalty, by hand. */
class BeamScoreTest {

    /**
     * A: logprob -2.0 over 2 tokens; B: -3.6 over 4. Penalty 0.8: A = -2 / 2^0.8 = -1.148698, B =
     * -3.6 / 4^0.8 = -1.187557, A wins. Penalty 2: A = -2/4 = -0.5, B = -3.6/16 = -0.225, B wins.
     */
    @Test
    void thePenaltySwapsTwoFinishedHypotheses() {
        assertEquals(-1.1486983549970351, FinishedHypotheses.score(-2.0, 2, 0.8), 1e-12);
        assertEquals(-1.1875571196956047, FinishedHypotheses.score(-3.6, 4, 0.8), 1e-12);
        assertEquals(-0.5, FinishedHypotheses.score(-2.0, 2, 2.0), 1e-15);
        assertEquals(-0.225, FinishedHypotheses.score(-3.6, 4, 2.0), 1e-15);

        int[] a = {1, 2}, b = {3, 4, 5, 6};
        assertArrayEquals(a, bestOf(0.8, a, b));
        assertArrayEquals(b, bestOf(2.0, a, b));
    }

    private static int[] bestOf(double penalty, int[] a, int[] b) {
        FinishedHypotheses finished = new FinishedHypotheses(2, penalty);
        finished.add(a, -2.0, a.length);
        finished.add(b, -3.6, b.length);
        return finished.best().tokens();
    }

    @Test
    void aFullSetKeepsTheBestAndKnowsWhenItIsDone() {
        FinishedHypotheses finished = new FinishedHypotheses(2, 1.0);
        finished.add(new int[] {1}, -1.0, 1); // -1
        assertFalse(finished.done(-0.1, 1, 10), "one place still free");
        finished.add(new int[] {2}, -3.0, 1); // -3
        finished.add(new int[] {3}, -4.0, 2); // -2: replaces -3
        assertEquals(-2.0, finished.worst(), 0);
        finished.add(new int[] {4}, -2.0, 1); // -2 again: not better than the worst, refused
        assertEquals(2, finished.size());
        assertArrayEquals(new int[] {1}, finished.best().tokens());
        // a live hypothesis at -25 could still reach -25/10 = -2.5 < -2: nothing to gain
        assertTrue(finished.done(-25.0, 3, 10));
        // at -15 it could reach -1.5 by growing to 10 tokens
        assertFalse(finished.done(-15.0, 3, 10));
    }
}
