package org.adamix.model.decoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.util.Arrays;
import org.adamix.model.checkpoint.Gpt2Backbone;
import org.adamix.model.checkpoint.Gpt2FolderReader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A later token never changes an earlier position's logits, to the bit; and it does change its own.
 */
class Gpt2CausalityTest {

    private static Gpt2Backbone backbone;

    @BeforeAll
    static void load() throws IOException {
        backbone = Gpt2FolderReader.read(Gpt2Fixtures.tinyDir());
    }

    private static final int[] SEQUENCE = {
        60, 61, 7, 7, 7, 90, 13, 0, 96, 33, 21, 12, 44, 45, 46, 50
    };

    @Test
    void changingAFutureTokenLeavesEarlierLogitsBitIdentical() {
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            Gpt2Decoder gpt2 = new Gpt2Decoder(backbone, type);
            double[] original = values(gpt2.forward(new int[][] {SEQUENCE}, null));
            int vocab = gpt2.config().vocabSize(), t = SEQUENCE.length;
            for (int k = 0; k < t; k++) {
                int[] changed = SEQUENCE.clone();
                changed[k] = (changed[k] + 1 + k) % vocab;
                double[] after = values(gpt2.forward(new int[][] {changed}, null));
                assertArrayEquals(
                        Arrays.copyOf(original, k * vocab),
                        Arrays.copyOf(after, k * vocab),
                        type + ": token " + k + " changed an earlier position");
                assertFalse(
                        Arrays.equals(
                                Arrays.copyOfRange(original, k * vocab, (k + 1) * vocab),
                                Arrays.copyOfRange(after, k * vocab, (k + 1) * vocab)),
                        type + ": token " + k + " had no effect");
            }
        }
    }

    @Test
    void paddingTokensAreNeverSeen() {
        // two right-padded batches that differ only in what the padding columns hold
        Gpt2Decoder gpt2 = new Gpt2Decoder(backbone, DataType.FLOAT);
        int[][] mask = {{1, 1, 1, 1, 0, 0}, {0, 0, 1, 1, 1, 1}};
        double[] a =
                values(gpt2.forward(new int[][] {{5, 6, 7, 8, 1, 2}, {3, 4, 9, 10, 11, 12}}, mask));
        double[] b =
                values(
                        gpt2.forward(
                                new int[][] {{5, 6, 7, 8, 90, 91}, {92, 93, 9, 10, 11, 12}}, mask));
        int vocab = gpt2.config().vocabSize();
        assertArrayEquals(
                Arrays.copyOfRange(a, 0, 4 * vocab),
                Arrays.copyOfRange(b, 0, 4 * vocab),
                "right padding");
        assertArrayEquals(
                Arrays.copyOfRange(a, 8 * vocab, 12 * vocab),
                Arrays.copyOfRange(b, 8 * vocab, 12 * vocab),
                "left padding");
    }

    /**
     * The logits in row-major order as doubles: float32 values widen exactly, so equality stays
     * bitwise.
     */
    private static double[] values(INDArray logits) {
        return logits.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all())
                .dup('c')
                .castTo(DataType.DOUBLE)
                .data()
                .asDouble();
    }
}
