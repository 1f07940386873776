package org.adamix.jobs.spark;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerBlockUpdated;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.storage.BlockUpdatedInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Spark's own count of the bytes a piece of work moved, from its listener events: per tag (a local
 * property set around the jobs, {@link #tag}) the tasks' result sizes (what the driver received),
 * their shuffle writes and reads; per broadcast the torrent pieces the driver stored (the
 * compressed broadcast) and the pieces executors fetched. Events arrive on Spark's listener thread,
 * after the action returned: {@link #await} waits for the tag's jobs to end there.
 */
public final class SparkTraffic extends SparkListener {
    private static final Logger LOG = LoggerFactory.getLogger(SparkTraffic.class);
    public static final String PROPERTY = "adamix.traffic.tag";
    private static final Pattern PIECE = Pattern.compile("broadcast_(\\d+)_piece\\d+");

    /** A tag's totals; {@code broadcast*} are filled in by {@link #withBroadcast}. */
    public record Totals(
            int tasks,
            long resultBytes,
            long shuffleWriteBytes,
            long shuffleReadBytes,
            long broadcastBytes,
            long broadcastFetchedBytes)
            implements java.io.Serializable {
        public Totals withBroadcast(long[] stored) {
            return new Totals(
                    tasks, resultBytes, shuffleWriteBytes, shuffleReadBytes, stored[0], stored[1]);
        }
    }

    private static final class Acc {
        int tasks, jobsStarted, jobsEnded;
        long result, shuffleWrite, shuffleRead;
    }

    private final Map<String, Acc> byTag = new HashMap<>();
    private final Map<Integer, String> stageTag = new HashMap<>();
    private final Map<Integer, String> jobTag = new HashMap<>();
    private final Map<Long, Pieces> broadcasts = new HashMap<>();

    /**
     * A broadcast's torrent pieces: bytes the driver stored, bytes executors stored (fetched), who
     * holds what.
     */
    private static final class Pieces {
        long driver, executors;
        final Set<String> held = new HashSet<>();
    }

    public static SparkTraffic register(JavaSparkContext sc) {
        SparkTraffic t = new SparkTraffic();
        sc.sc().addSparkListener(t);
        return t;
    }

    /** Tags the jobs this thread starts from now on (null: stop tagging). */
    public static void tag(JavaSparkContext sc, String tag) {
        sc.setLocalProperty(PROPERTY, tag);
    }

    @Override
    public synchronized void onJobStart(SparkListenerJobStart e) {
        String tag = e.properties() == null ? null : e.properties().getProperty(PROPERTY);
        if (tag == null) return;
        jobTag.put(e.jobId(), tag);
        byTag.computeIfAbsent(tag, k -> new Acc()).jobsStarted++;
        scala.collection.Iterator<Object> it = e.stageIds().iterator();
        while (it.hasNext()) stageTag.put((Integer) it.next(), tag);
    }

    @Override
    public synchronized void onTaskEnd(SparkListenerTaskEnd e) {
        String tag = stageTag.get(e.stageId());
        TaskMetrics m = e.taskMetrics();
        if (tag == null || m == null) return;
        Acc a = byTag.get(tag);
        a.tasks++;
        a.result += m.resultSize();
        a.shuffleWrite += m.shuffleWriteMetrics().bytesWritten();
        a.shuffleRead += m.shuffleReadMetrics().totalBytesRead();
    }

    @Override
    public synchronized void onJobEnd(SparkListenerJobEnd e) {
        String tag = jobTag.remove(e.jobId());
        if (tag == null) return;
        byTag.get(tag).jobsEnded++;
        notifyAll();
    }

    @Override
    public synchronized void onBlockUpdated(SparkListenerBlockUpdated e) {
        BlockUpdatedInfo b = e.blockUpdatedInfo();
        Matcher m = PIECE.matcher(b.blockId().name());
        if (!m.matches() || !b.storageLevel().isValid()) return;
        Pieces p = broadcasts.computeIfAbsent(Long.parseLong(m.group(1)), k -> new Pieces());
        // a piece is counted once per holder: later updates are evictions to disk
        if (!p.held.add(b.blockManagerId().executorId() + "/" + b.blockId().name())) return;
        if (b.blockManagerId().isDriver()) p.driver += b.memSize() + b.diskSize();
        else p.executors += b.memSize() + b.diskSize();
    }

    /**
     * The tag's totals once {@code jobs} of its jobs have ended on the listener thread (they have
     * ended on the scheduler when the action returns), or what is known after {@code
     * timeoutMillis}.
     */
    public synchronized Totals await(String tag, int jobs, long timeoutMillis) {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        Acc a;
        try {
            while (((a = byTag.get(tag)) == null || a.jobsEnded < jobs)
                    && System.currentTimeMillis() < deadline)
                wait(Math.max(1, deadline - System.currentTimeMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            a = byTag.get(tag);
        }
        if (a == null || a.jobsEnded < jobs)
            LOG.warn(
                    "Spark's listener had not seen the end of {}'s jobs after {} ms: its byte counts may be short",
                    tag,
                    timeoutMillis);
        if (a == null) return new Totals(0, 0, 0, 0, 0, 0);
        return new Totals(a.tasks, a.result, a.shuffleWrite, a.shuffleRead, 0, 0);
    }

    /**
     * {bytes of the broadcast's pieces the driver stored, bytes executors stored (fetched)} so far.
     */
    public synchronized long[] broadcast(long id) {
        Pieces p = broadcasts.get(id);
        return p == null ? new long[2] : new long[] {p.driver, p.executors};
    }

    /** Forgets a finished tag and broadcast, so that a long run's listener stays small. */
    public synchronized void forget(String tag, long broadcastId) {
        byTag.remove(tag);
        stageTag.values().removeIf(tag::equals);
        broadcasts.remove(broadcastId);
    }
}
