package org.adamix.datasets;

import java.io.Serializable;

/**
 * One labelled example.
 *
 * @param id stable id: the id column's value if the spec names one, else {@code <file name without
 *     compression suffix>:<line or row>} (see {@link ExampleIds})
 * @param textA first (or only) text, never blank
 * @param textB second text of a pair, or null for single-sentence tasks
 * @param label class index into the label list; -1 for regression or unlabelled data
 * @param target regression value; NaN for classification or unlabelled data
 * @param source file and line/row the example was read from
 */
public record Example(
        String id, String textA, String textB, int label, float target, SourceLocation source)
        implements Serializable {

    public boolean isPair() {
        return textB != null;
    }

    public boolean hasLabel() {
        return label >= 0 || !Float.isNaN(target);
    }
}
