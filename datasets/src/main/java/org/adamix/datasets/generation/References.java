package org.adamix.datasets.generation;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The references of one source. E2E has several human references per meaning representation, and a
 * generated text is scored against all of them at once (multi-reference BLEU, ROUGE-L).
 *
 * @param source the input text
 * @param targets its references in file order (repeats kept), never empty
 */
public record References(String source, List<String> targets) {

    public References {
        if (source == null) {
            throw new IllegalArgumentException("references need a source");
        }
        targets = List.copyOf(targets);
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("no references for source '" + source + "'");
        }
    }

    /**
     * Groups examples by source text (exact match: no trimming or case folding), sources in the
     * order they first appear, each one's targets in the order they come.
     */
    public static List<References> bySource(Iterator<GenerationExample> examples) {
        Map<String, List<String>> groups = new LinkedHashMap<>();
        while (examples.hasNext()) {
            GenerationExample e = examples.next();
            groups.computeIfAbsent(e.source(), s -> new ArrayList<>()).add(e.target());
        }
        List<References> out = new ArrayList<>(groups.size());
        groups.forEach((source, targets) -> out.add(new References(source, targets)));
        return out;
    }

    public static List<References> bySource(Iterable<GenerationExample> examples) {
        return bySource(examples.iterator());
    }
}
