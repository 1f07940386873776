package org.adamix.jobs.train;

import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;

/**
 * Bytes a round moves: the broadcast weights to every worker and the worker results back, measured as
 * their Java-serialized size (Spark's default serializer for broadcasts and task results), against the
 * budget (trainable + Adam state) x 4 bytes x workers per direction, and against what full-parameter
 * averaging (every backbone and head weight, plus its two Adam moments) would move.
 */
public record Traffic(long down, long up, long budget, long fullParameter) implements Serializable {

    public static final double TOLERANCE = 1.1;

    public static Traffic of(long broadcastBytes, long resultBytes, int workers, long trainable, long stateValues, long allParams) {
        long budget = (trainable + stateValues) * 4L * workers;
        long full = allParams * 3L * 4L * workers;
        return new Traffic(broadcastBytes * workers, resultBytes, budget, full);
    }

    public boolean withinBudget() {
        return down <= TOLERANCE * budget && up <= TOLERANCE * budget;
    }

    public static long serializedSize(Serializable o) {
        long[] n = {0};
        try (ObjectOutputStream out = new ObjectOutputStream(new OutputStream() {
            @Override
            public void write(int b) {
                n[0]++;
            }

            @Override
            public void write(byte[] b, int off, int len) {
                n[0] += len;
            }
        })) {
            out.writeObject(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return n[0];
    }
}
