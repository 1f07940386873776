package org.adamix.datasets.generation;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the tests find the real E2E NLG data: shared/data/e2e beside the repository (../shared), or
 * -Dadamix.e2e.dir. It is not in the repository, so the tests that read it are skipped where it is
 * absent.
 */
public final class E2eTestData {
    public static final String DEV = "devel-fixed.no-ol.csv";
    public static final String TEST = "test-fixed.csv";

    private E2eTestData() {}

    /** The E2E folder; skips the calling test (JUnit assumption) when it is absent. */
    public static Path dirOrSkip() {
        Path dir =
                Path.of(
                        System.getProperty(
                                "adamix.e2e.dir",
                                repoRoot().resolve("../shared/data/e2e").normalize().toString()));
        assumeTrue(
                Files.isRegularFile(dir.resolve(DEV)) && Files.isRegularFile(dir.resolve(TEST)),
                "no E2E data in " + dir + " (../shared is absent): skipped");
        return dir;
    }

    /**
     * The repository root: the first parent of the working directory that holds
     * bin/fetch-gpt2-tokenizer.
     */
    public static Path repoRoot() {
        Path dir = Path.of("").toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.exists(p.resolve("bin/fetch-gpt2-tokenizer"))) {
                return p;
            }
        }
        return dir;
    }
}
