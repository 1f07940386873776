package org.adamix.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardingTest {

    /** Values computed independently (a few lines of Python implementing the documented hash). */
    @Test
    void matchesHandCheckedValues() {
        assertEquals(0xe8771488bcdc65feL, Sharding.hash("train.tsv:2", 42));
        assertEquals(6, Sharding.shardOf("train.tsv:2", 42, 8));
        assertEquals(2, Sharding.shardOf("train.tsv:3", 42, 8));
        assertEquals(0x18117357e0dfa348L, Sharding.hash("imdb-00000", 0));
        assertEquals(0, Sharding.shardOf("imdb-00000", 0, 4));
        assertEquals(12, Sharding.shardOf("imdb-49999", 7, 16));
        assertEquals(
                0x81779dd35f4112bcL,
                Sharding.hash("café.tsv:10", -1)); // UTF-8 bytes, negative seed
        assertEquals(1, Sharding.shardOf("café.tsv:10", -1, 3));
        assertEquals(3, Sharding.shardOf("", 0, 5));
    }

    @Test
    void everyIdLandsInExactlyOneShardAndShardsAreBalanced() {
        int n = 100_000;
        int shards = 7;
        int[] counts = new int[shards];
        for (int i = 0; i < n; i++) {
            int s = Sharding.shardOf("train.jsonl:" + i, 1234, shards);
            assertTrue(s >= 0 && s < shards);
            counts[s]++;
        }
        for (int c : counts) {
            // Expected 14286 per shard; 5 standard deviations is about 560.
            assertTrue(
                    Math.abs(c - n / shards) < 600,
                    "unbalanced: " + java.util.Arrays.toString(counts));
        }
    }

    @Test
    void seedChangesTheAssignment() {
        int same = 0;
        for (int i = 0; i < 1000; i++) {
            if (Sharding.shardOf("x:" + i, 1, 2) == Sharding.shardOf("x:" + i, 2, 2)) {
                same++;
            }
        }
        assertTrue(same > 400 && same < 600, "seeds 1 and 2 agree on " + same + " of 1000");
        assertNotEquals(Sharding.hash("a", 1), Sharding.hash("a", 2));
    }

    @Test
    void rejectsNonPositiveShardCount() {
        assertThrows(IllegalArgumentException.class, () -> Sharding.shardOf("a", 0, 0));
    }

    /**
     * Reading a dataset split into files differently (one file vs. per-file readers in reverse
     * order) gives the same ids, and so the same shards; the shards are disjoint and together
     * complete.
     */
    @Test
    void shardsOfARealReadAreDisjointCompleteAndStable(@TempDir java.nio.file.Path tmp)
            throws IOException {
        Configuration conf = new Configuration();
        FileSystem fs = FileSystem.getLocal(conf);
        Path dir = new Path(tmp.toString());
        List<TestData.Row> rows = TestData.rows(300, true);
        TestData.write(
                fs, new Path(dir, "part-0.jsonl"), TestData.jsonl(rows.subList(0, 100)), false);
        TestData.write(
                fs, new Path(dir, "part-1.jsonl.gz"), TestData.jsonl(rows.subList(100, 300)), true);
        DatasetSpec spec = TestData.spec(Format.JSONL, true);
        int shards = 4;
        long seed = 99;

        List<Set<String>> together =
                shardIds(TestData.readAll(spec, conf, dir.toString()), shards, seed);
        List<Example> separately =
                new ArrayList<>(TestData.readAll(spec, conf, dir + "/part-1.jsonl.gz"));
        separately.addAll(TestData.readAll(spec, conf, dir + "/part-0.jsonl"));
        List<Set<String>> apart = shardIds(separately, shards, seed);
        assertEquals(together, apart);

        Set<String> all = new HashSet<>();
        int total = 0;
        for (Set<String> s : together) {
            total += s.size();
            all.addAll(s);
            assertTrue(s.size() > 40, "shard too small: " + s.size());
        }
        assertEquals(300, total);
        assertEquals(300, all.size()); // disjoint and complete
        assertTrue(all.contains("part-1.jsonl:200"));
        assertEquals(
                shardIds(TestData.readAll(spec, conf, dir.toString()), shards, seed),
                together); // stable
    }

    private static List<Set<String>> shardIds(List<Example> examples, int shards, long seed) {
        List<Set<String>> out = new ArrayList<>();
        for (int i = 0; i < shards; i++) {
            out.add(new HashSet<>());
        }
        for (Example e : examples) {
            out.get(Sharding.shardOf(e.id(), seed, shards)).add(e.id());
        }
        return out;
    }
}
