package org.adamix.jobs.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FilterFileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Publishing never leaves the target missing: the old version is moved aside, not deleted, until
 * the new one is in place.
 */
class FsPathsTest {
    @TempDir java.nio.file.Path tmp;

    /**
     * The local file system, except that renaming a temporary file into place fails (a full quota,
     * a dying NameNode).
     */
    static FileSystem failingRename(Configuration conf) throws IOException {
        return new FilterFileSystem(FileSystem.getLocal(conf).getRaw()) {
            @Override
            public boolean rename(Path src, Path dst) throws IOException {
                return !src.getName().contains(".tmp-") && super.rename(src, dst);
            }
        };
    }

    private static Path path(java.nio.file.Path p) {
        return new Path("file://" + p.toAbsolutePath());
    }

    @Test
    void failedReplaceKeepsTheOldVersion() throws Exception {
        Configuration conf = new Configuration();
        FileSystem fs = failingRename(conf);
        java.nio.file.Path target = Files.createDirectories(tmp.resolve("best"));
        Files.writeString(target.resolve("weights"), "old");
        java.nio.file.Path next = Files.createDirectories(tmp.resolve(".best.tmp-1"));
        Files.writeString(next.resolve("weights"), "new");
        assertThrows(IOException.class, () -> FsPaths.replace(fs, path(next), path(target)));
        assertEquals(
                "old",
                Files.readString(target.resolve("weights")),
                "the previous version is back in place");
        try (var s = Files.list(tmp)) {
            assertEquals(
                    java.util.List.of("best"),
                    s.map(p -> p.getFileName().toString()).toList(),
                    "nothing left aside");
        }
    }

    @Test
    void replaceAndWriteAtomically() throws Exception {
        Configuration conf = new Configuration();
        Path f = path(tmp.resolve("summary.json"));
        FsPaths.writeAtomically(f, "one", conf);
        FsPaths.writeAtomically(f, "two", conf);
        assertEquals("two", FsPaths.read(f, conf));
        try (var s = Files.list(tmp)) {
            assertTrue(
                    s.allMatch(
                            p ->
                                    p.getFileName().toString().equals("summary.json")
                                            || p.getFileName().toString().endsWith(".crc")));
        }
    }

    /** A writer that died between the two renames left the old version aside: it is put back. */
    @Test
    void restoreAside() throws Exception {
        Configuration conf = new Configuration();
        java.nio.file.Path aside = Files.createDirectories(tmp.resolve(".best.old-1234"));
        Files.writeString(aside.resolve("weights"), "old");
        assertTrue(FsPaths.restoreAside(path(tmp.resolve("best")), conf));
        assertEquals("old", Files.readString(tmp.resolve("best/weights")));
        assertFalse(Files.exists(aside));
        assertFalse(
                FsPaths.restoreAside(path(tmp.resolve("best")), conf),
                "nothing to do when the target is there");
    }
}
