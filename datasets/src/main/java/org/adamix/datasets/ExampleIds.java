package org.adamix.datasets;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;

/**
 * Stable example ids. Without an id column an example's id is {@code <file key>:<line or row>},
 * where the file key is the file's name without directory and without a compression suffix ({@code
 * hdfs://nn/glue/sst2/train.tsv.gz} line 7 gives {@code train.tsv:7}). So the id, and the shard
 * derived from it, do not change when a dataset moves to another directory or file system, is
 * gzipped, or its files are handed to readers in another order or grouping. It does change if a
 * line is inserted above the example; datasets that get edited should carry an id column.
 */
public final class ExampleIds {
    private ExampleIds() {}

    public static String fileKey(Path path, CompressionCodecFactory codecs) {
        String name = path.getName();
        CompressionCodec codec = codecs.getCodec(path);
        if (codec != null && name.endsWith(codec.getDefaultExtension())) {
            name = name.substring(0, name.length() - codec.getDefaultExtension().length());
        }
        return name;
    }

    public static String of(String fileKey, long position) {
        return fileKey + ":" + position;
    }

    /**
     * Two files with the same key would give colliding ids, so that is an error rather than a
     * surprise in sharding.
     */
    public static void checkUnique(List<Path> files, CompressionCodecFactory codecs) {
        Map<String, Path> seen = new HashMap<>();
        for (Path p : files) {
            Path other = seen.putIfAbsent(fileKey(p, codecs), p);
            if (other != null) {
                throw new DatasetException(
                        "input files "
                                + other
                                + " and "
                                + p
                                + " have the same file name '"
                                + fileKey(p, codecs)
                                + "', so their example ids would collide: rename one or use an id column");
            }
        }
    }
}
