package org.adamix.model.checkpoint;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Crafted model files fail with one CheckpointException naming the file, never with another
 * exception (an index out of bounds, a negative array size, an out-of-memory on a header that
 * claims gigabytes). Run by {@code mvn test} on the committed inputs (regression mode); {@code
 * JAZZER_FUZZ=1 mvn -pl model test -Dtest=CheckpointFuzzTest} fuzzes for each method's maxDuration
 * and saves any crashing input next to them.
 */
class CheckpointFuzzTest {

    /** Any bytes as a .safetensors file: read, or a CheckpointException. */
    @FuzzTest(maxDuration = "5m")
    void safetensorsFailsCleanly(byte[] data) throws IOException {
        readAsFile(data, ".safetensors", Safetensors::read);
    }

    interface FileReader {
        void read(Path file) throws IOException;
    }

    /** The bytes as a file with this suffix, read: a result or a CheckpointException. */
    private static void readAsFile(byte[] data, String suffix, FileReader reader)
            throws IOException {
        Path f = Files.createTempFile("fuzz-", suffix);
        try {
            Files.write(f, data);
            reader.read(f);
        } catch (CheckpointException expected) {
            // the one allowed failure
        } finally {
            Files.deleteIfExists(f);
        }
    }

    /** Any config.json beside a tiny valid GPT-2 checkpoint: read, or a CheckpointException. */
    @FuzzTest(maxDuration = "5m")
    void gpt2ConfigFailsCleanly(FuzzedDataProvider data) throws IOException {
        Path dir = Files.createTempDirectory("fuzz-gpt2-");
        try {
            Files.write(
                    dir.resolve("config.json"),
                    data.consumeRemainingAsString().getBytes(StandardCharsets.UTF_8));
            Files.write(
                    dir.resolve("model.safetensors"),
                    new byte[] {8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '});
            Gpt2FolderReader.read(dir);
        } catch (CheckpointException expected) {
            // the one allowed failure
        } finally {
            for (String n : new String[] {"config.json", "model.safetensors"})
                Files.deleteIfExists(dir.resolve(n));
            Files.deleteIfExists(dir);
        }
    }

    /** Any bytes as model.onnx: a backbone, or a CheckpointException. */
    @FuzzTest(maxDuration = "5m")
    void onnxFailsCleanly(byte[] data) throws IOException {
        readAsFile(data, ".onnx", OnnxBackboneReader::read);
    }
}
