package org.adamix.jobs.train;

import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import org.adamix.jobs.spark.SparkTraffic;

/**
 * Bytes a round moves. {@code measured}: Spark's own numbers from task metrics and block updates
 * ({@link SparkTraffic}): result bytes the driver received, the tree's shuffle, the weights
 * broadcast as stored on the driver and as fetched by executors. The estimates are the
 * Java-serialized sizes (Spark's default serializer): the broadcast times the workers, and the
 * workers' leaves (float weights and state) times the workers; they are checked against the budget
 * (trainable + Adam state) x 4 bytes x workers per direction, and compared with full-parameter
 * averaging (every backbone and head weight plus its two Adam moments, each way).
 */
public record Traffic(
        SparkTraffic.Totals measured,
        long estimatedDown,
        long estimatedUp,
        long budget,
        long fullParameter)
        implements Serializable {

    public static final double TOLERANCE = 1.1;

    public static Traffic of(
            SparkTraffic.Totals measured,
            long broadcastBytes,
            long leafBytes,
            int workers,
            long trainable,
            long stateValues,
            long allParams) {
        long budget = (trainable + stateValues) * 4L * workers;
        long full = allParams * 3L * 4L * workers;
        return new Traffic(measured, broadcastBytes * workers, leafBytes * workers, budget, full);
    }

    public boolean withinBudget() {
        return estimatedDown <= TOLERANCE * budget && estimatedUp <= TOLERANCE * budget;
    }

    /**
     * Bytes to and from the driver, as Spark counted them: the driver's broadcast pieces and its
     * task results.
     */
    public long driverBytes() {
        return measured.broadcastBytes() + measured.resultBytes();
    }

    public static long serializedSize(Serializable o) {
        long[] n = {0};
        try (ObjectOutputStream out =
                new ObjectOutputStream(
                        new OutputStream() {
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
