package org.adamix.datasets.generation;

import java.io.Serializable;
import org.adamix.datasets.SourceLocation;

/**
 * One source → target pair of a text generation task, e.g. an E2E meaning representation and one of
 * its human references.
 *
 * @param id stable id: {@code <file name>:<line>} or the spec's id column (see {@link
 *     org.adamix.datasets.ExampleIds}); null for a pair built in memory
 * @param source the input text, never blank
 * @param target the reference text, never blank
 * @param location file and line it was read from; null for a pair built in memory
 */
public record GenerationExample(String id, String source, String target, SourceLocation location)
        implements Serializable {

    public GenerationExample {
        if (source == null || target == null) {
            throw new IllegalArgumentException("a generation example needs a source and a target");
        }
    }

    /** A pair built in memory (tests, tools), without id or location. */
    public GenerationExample(String source, String target) {
        this(null, source, target, null);
    }
}
