package org.adamix.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {

    @TempDir Path tmp;

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aFolderReplacesAnOlderOneAndLeavesNoTemporaryNames() throws IOException {
        Path dir = tmp.resolve("out");
        AtomicFiles.writeDir(dir, t -> Files.writeString(t.resolve("old.txt"), "1"));
        AtomicFiles.writeDir(dir, t -> Files.writeString(t.resolve("new.txt"), "2"));
        assertEquals(List.of("new.txt"), names(dir));
        assertEquals(List.of("out"), names(tmp));
    }

    @Test
    void aFailedWriteKeepsTheOlderFolderAndLeavesNoTemporaryNames() throws IOException {
        Path dir = tmp.resolve("out");
        AtomicFiles.writeDir(dir, t -> Files.writeString(t.resolve("old.txt"), "1"));
        assertThrows(
                IOException.class,
                () ->
                        AtomicFiles.writeDir(
                                dir,
                                t -> {
                                    Files.writeString(t.resolve("half.txt"), "2");
                                    throw new IOException("disk full");
                                }));
        assertEquals("1", Files.readString(dir.resolve("old.txt")));
        assertEquals(List.of("out"), names(tmp));
    }

    @Test
    void aFileReplacesAnOlderOneAndACallersCheckedExceptionPassesThrough() throws Exception {
        Path file = tmp.resolve("a.txt");
        AtomicFiles.writeFile(file, t -> Files.writeString(t, "1"));
        AtomicFiles.writeFile(file, t -> Files.writeString(t, "2"));
        assertEquals("2", Files.readString(file));
        class BadInput extends Exception {}
        assertThrows(
                BadInput.class,
                () ->
                        AtomicFiles.writeFile(
                                file,
                                t -> {
                                    throw new BadInput();
                                }));
        assertEquals("2", Files.readString(file));
        assertEquals(List.of("a.txt"), names(tmp));
    }

    @Test
    void aFileIsNotWrittenOverAFolderNorAFolderOverAFile() throws IOException {
        Path d = Files.createDirectory(tmp.resolve("d"));
        Path f = Files.writeString(tmp.resolve("f"), "x");
        assertEquals(
                d + ": exists and is a directory",
                assertThrows(CheckpointException.class, () -> AtomicFiles.writeFile(d, t -> {}))
                        .getMessage());
        assertEquals(
                f + ": exists and is not a directory",
                assertThrows(CheckpointException.class, () -> AtomicFiles.writeDir(f, t -> {}))
                        .getMessage());
    }
}
