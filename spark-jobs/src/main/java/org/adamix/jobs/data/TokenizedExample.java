package org.adamix.jobs.data;

import java.io.Serializable;

/**
 * One example after tokenization, as cached on executors: its stable id, token ids, segment ids and
 * label (class index, regression target, or NaN when unlabelled).
 */
public record TokenizedExample(String id, int[] ids, int[] typeIds, double label)
        implements Serializable {}
