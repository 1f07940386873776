package org.adamix.jobs.compare;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.List;
import org.adamix.jobs.spark.Sessions;

/**
 * What {@link CompareJob} needs from a task (classification/regression on an encoder, generation on
 * a decoder): its data, read on the driver before Spark starts, and how one configuration trains.
 */
public interface ComparisonTask {

    /** The settings a continued comparison must share (the grid excluded), as plain JSON. */
    ObjectNode settings();

    CompareMetrics metrics();

    boolean hasTest();

    /** "N train / N dev / N test examples", for the log. */
    String sizes();

    /** The base configuration in one line (dry run). */
    String describe();

    /** The tables' title. */
    String title();

    /**
     * Trains {@code todo}, one configuration per Spark task, saving each result with {@code files}
     * as soon as it is done (an interrupted comparison keeps every finished run).
     */
    List<RunResult> train(Sessions session, List<RunConfig> todo, RunFiles files)
            throws IOException;
}
