package org.adamix.jobs.data;

import java.util.List;
import org.adamix.datasets.DatasetReader;
import org.adamix.datasets.DatasetSpec;
import org.adamix.datasets.tokenize.Tokenizer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/** Driver-side check before any executor work: read and tokenize the first rows of a dataset. */
public final class DataPreview {
    private DataPreview() {}

    /**
     * Number of rows read (at most {@code rows}); throws the reader's exception on a bad row or
     * file.
     */
    public static int check(
            DatasetSpec spec,
            Configuration conf,
            List<String> files,
            Tokenizer tokenizer,
            int maxLength,
            int rows) {
        ExampleEncoder encoder = new ExampleEncoder(tokenizer, maxLength);
        int n = 0;
        try (DatasetReader r =
                DatasetReader.openFiles(spec, conf, files.stream().map(Path::new).toList())) {
            while (n < rows && r.hasNext()) {
                encoder.encode(r.next());
                n++;
            }
        }
        if (n == 0) throw new org.adamix.jobs.spark.JobInputException("no examples in " + files);
        return n;
    }
}
