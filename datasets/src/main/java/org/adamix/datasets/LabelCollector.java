package org.adamix.datasets;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;

/**
 * Builds the label list of a classification dataset by one pass over it (typically the training
 * split), for runs that are not given one. The result is sorted ({@link LabelList#sortedOf}) so it
 * does not depend on file order; store it with the run ({@link LabelList#write}) and give it to
 * every later read, so that dev/test labels unseen in training are reported instead of getting new
 * indices.
 */
public final class LabelCollector {
    /** More distinct values than this is almost surely a regression target or a text column. */
    public static final int MAX_LABELS = 10_000;

    private LabelCollector() {}

    public static LabelList collect(DatasetSpec spec, Configuration conf, String... paths) {
        return collect(spec, conf, Arrays.asList(paths));
    }

    /** Bad rows follow the spec's policy, as in a normal read. */
    public static LabelList collect(DatasetSpec spec, Configuration conf, List<String> paths) {
        if (spec.task() != TaskType.CLASSIFICATION || !spec.isLabelled()) {
            throw new IllegalArgumentException(
                    "labels can only be collected for a labelled classification dataset");
        }
        Set<String> seen = new HashSet<>();
        DatasetReader.LabelMapper collecting =
                label -> {
                    if (seen.add(label) && seen.size() > MAX_LABELS) {
                        throw new DatasetException(
                                "more than "
                                        + MAX_LABELS
                                        + " distinct labels in column '"
                                        + spec.labelColumn()
                                        + "': is this a regression task?");
                    }
                    return 0; // the index is not known until every label has been seen
                };
        try (DatasetReader reader =
                DatasetReader.openCollecting(
                        spec.withLabels(null), conf, InputFiles.list(conf, paths), collecting)) {
            while (reader.hasNext()) {
                reader.next();
            }
        }
        if (seen.isEmpty()) {
            throw new DatasetException("no labels found in " + paths + ": no good rows");
        }
        return LabelList.sortedOf(seen);
    }
}
