package org.adamix.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The same readers against a real HDFS (an in-JVM MiniDFSCluster, one for the class): the data is
 * addressed by hdfs:// URIs from a fresh Configuration, as a Spark job would.
 */
class HdfsReadTest {
    private static MiniDFSCluster cluster;
    private static FileSystem hdfs;
    private static String root;
    private static java.nio.file.Path baseDir;
    private static final Configuration CONF = new Configuration();

    @BeforeAll
    static void startCluster() throws IOException {
        baseDir = Files.createTempDirectory("minidfs");
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, baseDir.toString());
        cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        cluster.waitActive();
        hdfs = cluster.getFileSystem();
        root = hdfs.getUri() + "/data";
    }

    @AfterAll
    static void stopCluster() throws IOException {
        if (cluster != null) {
            cluster.shutdown();
        }
        deleteRecursively(baseDir.toFile());
    }

    private static void deleteRecursively(File f) {
        File[] children = f.listFiles();
        if (children != null) {
            for (File c : children) {
                deleteRecursively(c);
            }
        }
        f.delete();
    }

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> formats() {
        return ReaderFormatsTest.formats();
    }

    @ParameterizedTest(name = "{0} pair={1} compressed={2}")
    @MethodSource("formats")
    void readsEveryFormatFromHdfs(Format format, boolean pair, boolean compressed)
            throws IOException {
        Path dir = new Path(root + "/" + format.lowerName() + "-" + pair + "-" + compressed);
        List<TestData.Row> rows = TestData.rows(20, pair);
        String path = ReaderFormatsTest.writeDataset(hdfs, dir, format, rows, compressed);
        assertTrue(path.startsWith("hdfs://"), path);
        List<Example> read = TestData.readAll(TestData.spec(format, pair), CONF, path);
        ReaderFormatsTest.assertReadBack(format, rows, read, path);
    }

    @Test
    void directoriesAndGlobsOnHdfs() throws IOException {
        Path dir = new Path(root + "/parts");
        List<TestData.Row> rows = TestData.rows(9, true);
        for (int i = 0; i < 3; i++) {
            TestData.write(
                    hdfs,
                    new Path(dir, "part-0000" + i + ".csv" + (i == 1 ? ".gz" : "")),
                    TestData.csv(rows.subList(3 * i, 3 * i + 3)),
                    i == 1);
        }
        TestData.write(hdfs, new Path(dir, "_SUCCESS"), new byte[0], false);
        DatasetSpec spec = TestData.spec(Format.CSV, true);
        List<Example> viaDir = TestData.readAll(spec, CONF, dir.toString());
        assertEquals(
                rows.stream().map(TestData.Row::b).toList(),
                viaDir.stream().map(Example::textB).toList());
        assertEquals("part-00001.csv:3", viaDir.get(4).id());
        assertEquals(viaDir, TestData.readAll(spec, CONF, dir + "/part-*"));
    }

    @Test
    void localAndHdfsCopiesGiveTheSameIdsAndShards() throws IOException {
        java.nio.file.Path local = Files.createTempDirectory("local-copy");
        try {
            byte[] data = TestData.jsonl(TestData.rows(50, false));
            Files.write(local.resolve("train.jsonl"), data);
            TestData.write(hdfs, new Path(root + "/copy/train.jsonl.gz"), data, true);
            DatasetSpec spec = TestData.spec(Format.JSONL, false);
            List<String> fromLocal = ids(TestData.readAll(spec, CONF, local + "/train.jsonl"));
            List<String> fromHdfs =
                    ids(TestData.readAll(spec, CONF, root + "/copy/train.jsonl.gz"));
            assertEquals(fromLocal, fromHdfs);
            assertEquals(
                    fromLocal.stream().map(id -> Sharding.shardOf(id, 5, 3)).toList(),
                    fromHdfs.stream().map(id -> Sharding.shardOf(id, 5, 3)).toList());
        } finally {
            deleteRecursively(local.toFile());
        }
    }

    private static List<String> ids(List<Example> examples) {
        List<String> out = new ArrayList<>();
        examples.forEach(e -> out.add(e.id()));
        return out;
    }

    @Test
    void errorsNameHdfsPaths() throws IOException {
        DatasetSpec spec = TestData.spec(Format.TSV, false);
        assertEquals(
                "input path does not exist: " + root + "/missing.tsv",
                assertThrows(
                                DatasetException.class,
                                () -> TestData.readAll(spec, CONF, root + "/missing.tsv"))
                        .getMessage());
        Path bad = new Path(root + "/bad/bad.tsv.gz");
        TestData.write(hdfs, bad, TestData.utf8("text\tlabel\ngood\tpos\nbad\tmaybe\n"), true);
        assertEquals(
                "Bad row in " + bad + " at line 3: unknown label: 'maybe' is not one of [neg, pos]",
                assertThrows(
                                BadRowException.class,
                                () -> TestData.readAll(spec, CONF, bad.toString()))
                        .getMessage());
    }

    @Test
    void labelListStoredWithARunOnHdfs() throws IOException {
        Path data = new Path(root + "/collect/train.tsv");
        TestData.write(hdfs, data, TestData.tsv(TestData.rows(10, false)), false);
        DatasetSpec spec = DatasetSpec.builder(Format.TSV).text("text").label("label").build();
        LabelList labels = LabelCollector.collect(spec, CONF, data.toString());
        assertEquals(List.of("neg", "pos"), labels.labels());
        Path stored = new Path(root + "/runs/r1/labels.json");
        labels.write(stored, CONF);
        assertEquals(labels, LabelList.read(stored, CONF));
    }
}
