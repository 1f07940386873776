package org.adamix.datasets;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

/**
 * What one {@link DatasetReader} has read so far: good rows, bad rows per reason, and the first few
 * bad-row messages (bounded, so a file full of bad rows cannot fill memory).
 */
public final class ReadReport {
    /** How many bad-row messages are kept verbatim. */
    public static final int MAX_MESSAGES = 10;

    private long goodRows;
    private final EnumMap<BadReason, Long> bad = new EnumMap<>(BadReason.class);
    private final List<String> firstBadRows = new ArrayList<>();
    private int filesRead;

    void countGood() {
        goodRows++;
    }

    void countBad(BadReason reason, String message) {
        bad.merge(reason, 1L, Long::sum);
        if (firstBadRows.size() < MAX_MESSAGES) {
            firstBadRows.add(message);
        }
    }

    void countFile() {
        filesRead++;
    }

    public long goodRows() {
        return goodRows;
    }

    public long badRows() {
        long n = 0;
        for (long c : bad.values()) {
            n += c;
        }
        return n;
    }

    /** Data rows seen (good + bad); headers are not rows. */
    public long totalRows() {
        return goodRows + badRows();
    }

    public long count(BadReason reason) {
        return bad.getOrDefault(reason, 0L);
    }

    /** Non-zero counts only, in {@link BadReason} order. */
    public Map<BadReason, Long> countsByReason() {
        return Collections.unmodifiableMap(new EnumMap<>(bad));
    }

    /** The first {@link #MAX_MESSAGES} bad-row messages, in reading order. */
    public List<String> firstBadRows() {
        return List.copyOf(firstBadRows);
    }

    public int filesRead() {
        return filesRead;
    }

    public double badFraction() {
        long total = totalRows();
        return total == 0 ? 0.0 : (double) badRows() / total;
    }

    /** e.g. {@code 98 good, 2 bad (empty text: 1, unknown label: 1) in 3 files}. */
    public String summary() {
        StringBuilder sb = new StringBuilder();
        sb.append(goodRows).append(" good, ").append(badRows()).append(" bad");
        if (!bad.isEmpty()) {
            sb.append(" (").append(reasonCounts()).append(')');
        }
        sb.append(" in ").append(filesRead).append(filesRead == 1 ? " file" : " files");
        return sb.toString();
    }

    String reasonCounts() {
        StringJoiner j = new StringJoiner(", ");
        bad.forEach((reason, n) -> j.add(reason.description() + ": " + n));
        return j.toString();
    }

    static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.2f%%", fraction * 100);
    }

    @Override
    public String toString() {
        return summary();
    }
}
