package org.adamix.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.adamix.jobs.cli.TrainCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --method none}: a linear probe, the baseline a user checks first. Only the task head
 * is trained, on the frozen encoder: the run trains and saves exactly the head's parameters.
 */
class LinearProbeTest {
    @TempDir Path tmp;

    @Test
    void onlyTheHeadIsTrained() throws Exception {
        Path backbone = TinyFixture.backbone(tmp.resolve("backbone"));
        Path train = TinyFixture.data(tmp.resolve("train.jsonl"), "t", 24, 1);
        Path dev = TinyFixture.data(tmp.resolve("dev.jsonl"), "d", 8, 2);
        Path out = tmp.resolve("probe");
        TestData.Run r =
                TestData.run(
                        new TrainCommand(),
                        TinyFixture.trainArgs(
                                backbone,
                                train,
                                dev,
                                out,
                                2,
                                "--method",
                                "none",
                                "--head",
                                "mean"));
        assertEquals(0, r.code(), r.err());
        JsonNode s = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        assertEquals("none", s.path("run").path("method").asText());
        // hidden 16 → 2 labels: a 16 × 2 weight and 2 biases, nothing of the encoder
        assertEquals(16 * 2 + 2, s.path("trainable_parameters").asLong());
        assertEquals(true, Files.exists(out.resolve("_SUCCESS")));
    }
}
