package org.adamix.jobs.cli;

import java.io.PrintStream;
import java.util.concurrent.Callable;
import org.adamix.datasets.DatasetException;
import org.adamix.jobs.spark.JobInputException;
import org.adamix.jobs.train.TrainingDivergedException;
import org.adamix.model.checkpoint.CheckpointException;

/**
 * Turns a failure into one clear line on stderr and an exit code: 2 for bad input (paths, data,
 * backbone, options), 1 for a job that failed while running. Spark wraps task failures; the cause
 * chain is searched for the exception that says what went wrong.
 */
public final class Failures {
    public static final int BAD_INPUT = 2;
    public static final int FAILED = 1;

    /**
     * The last error line printed in this JVM: a cluster-mode failure carries it to YARN's
     * diagnostics.
     */
    private static volatile String lastError;

    private Failures() {}

    public static int run(String command, PrintStream err, Callable<Integer> body) {
        try {
            return body.call();
        } catch (Throwable t) {
            Throwable cause = meaningful(t);
            err.println(noteError("adamix " + command + ": error: " + firstLine(cause)));
            return isInput(cause) ? BAD_INPUT : FAILED;
        }
    }

    /** Remembers an error line that is about to be printed; returns it. */
    public static String noteError(String line) {
        lastError = line;
        return line;
    }

    public static String lastError() {
        return lastError;
    }

    static boolean isInput(Throwable t) {
        return t instanceof JobInputException
                || t instanceof DatasetException
                || t instanceof CheckpointException
                || t instanceof IllegalArgumentException;
    }

    static Throwable meaningful(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (isInput(c) || c instanceof TrainingDivergedException) return c;
            if (c.getCause() == c) break;
        }
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        return root.getMessage() != null ? root : t;
    }

    public static String firstLine(Throwable t) {
        String m = t.getMessage();
        if (m == null || m.isBlank()) return t.getClass().getName();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
