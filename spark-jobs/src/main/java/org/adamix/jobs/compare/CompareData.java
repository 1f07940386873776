package org.adamix.jobs.compare;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.adamix.datasets.DatasetReader;
import org.adamix.datasets.DatasetSpec;
import org.adamix.datasets.tokenize.Tokenizer;
import org.adamix.jobs.data.ExampleEncoder;
import org.adamix.jobs.data.TokenizedExample;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * The splits of a comparison, read and tokenized once on the driver and broadcast to every run.
 * Each split is sorted by example id, so its order does not depend on how the files were listed.
 */
public record CompareData(
        List<TokenizedExample> train, List<TokenizedExample> dev, List<TokenizedExample> test)
        implements Serializable {

    public boolean hasTest() {
        return !test.isEmpty();
    }

    /** Every example of {@code files} (none when the list is empty). */
    public static List<TokenizedExample> read(
            DatasetSpec spec,
            Configuration conf,
            List<String> files,
            Tokenizer tokenizer,
            int maxLength) {
        List<TokenizedExample> out = new ArrayList<>();
        if (files.isEmpty()) return out;
        ExampleEncoder encoder = new ExampleEncoder(tokenizer, maxLength);
        try (DatasetReader r =
                DatasetReader.openFiles(spec, conf, files.stream().map(Path::new).toList())) {
            while (r.hasNext()) out.add(encoder.encode(r.next()));
        }
        out.sort(Comparator.comparing(TokenizedExample::id));
        return out;
    }
}
