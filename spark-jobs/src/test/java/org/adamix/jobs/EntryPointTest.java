package org.adamix.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Permission;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code AdaMix.main} as YARN and bin/adamix see it: success returns from main (YARN's application
 * master reports System.exit(0) as FAILED) and leaves no thread that keeps the JVM alive; bad input
 * exits 2, a failed job 1; in cluster deploy mode a failure is an exception carrying the error
 * line.
 */
class EntryPointTest {
    @TempDir Path tmp;

    record Child(int code, String out, String err) {}

    /**
     * Runs AdaMix.main in a new JVM with this JVM's classpath and module flags; fails if it does
     * not exit in time.
     */
    Child java(int timeoutSeconds, String... args) throws Exception {
        List<String> cmd = ChildJvm.command(args);
        Path out = Files.createTempFile(tmp, "out", ".txt"),
                err = Files.createTempFile(tmp, "err", ".txt");
        Process p =
                new ProcessBuilder(cmd)
                        .redirectOutput(out.toFile())
                        .redirectError(err.toFile())
                        .start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            fail(
                    "the JVM did not exit within "
                            + timeoutSeconds
                            + " s (a non-daemon thread left running?)\n"
                            + Files.readString(out)
                            + Files.readString(err));
        }
        Child c = new Child(p.exitValue(), Files.readString(out), Files.readString(err));
        System.out.print(c.out());
        System.err.print(c.err());
        return c;
    }

    static long errorLines(String err, String prefix) {
        return err.lines().filter(l -> l.startsWith(prefix)).count();
    }

    @Test
    void helpExitsZeroBadInputTwoFailureOne() throws Exception {
        Child help = java(60, "--help");
        assertEquals(0, help.code(), help.err());
        assertTrue(help.out().contains("Usage: adamix"), help.out());

        Path out = tmp.resolve("out");
        Child bad =
                java(
                        60,
                        "train",
                        "--backbone",
                        tmp.resolve("no-model").toString(),
                        "--train",
                        tmp.resolve("no.jsonl").toString(),
                        "--output",
                        out.toString());
        assertEquals(2, bad.code(), bad.err());
        assertEquals(
                1,
                errorLines(bad.err(), "adamix train: error: backbone does not exist"),
                bad.err());
        assertFalse(Files.exists(out));

        Child usage = java(60, "evaluate", "--no-such-option");
        assertEquals(2, usage.code(), usage.err());

        // a job that fails while running (here: the output's folder is a file) exits 1
        Path text = Files.writeString(tmp.resolve("t.txt"), "hello\n");
        Path file = Files.writeString(tmp.resolve("a-file"), "");
        Child failed =
                java(
                        60,
                        "encode",
                        "--backbone",
                        TestData.minilm().toString(),
                        "--input",
                        text.toString(),
                        "--output",
                        file.resolve("o.jsonl").toString());
        assertEquals(1, failed.code(), failed.err());
        assertEquals(1, errorLines(failed.err(), "encode: "), failed.err());
    }

    /**
     * A command that starts Spark and ND4J returns from main and the JVM ends by itself, exit code
     * 0.
     */
    @Test
    void successfulSparkCommandLetsTheJvmEnd() throws Exception {
        Path run = TestData.untrainedRun(tmp.resolve("run"), List.of("neg", "pos"));
        Child merge =
                java(
                        180,
                        "merge",
                        "--model",
                        run.toString(),
                        "--backbone",
                        TestData.minilm().toString(),
                        "--master",
                        "local[1]");
        assertEquals(0, merge.code(), merge.err());
        assertTrue(Files.exists(run.resolve("merged/adapter_model.safetensors")), merge.out());
    }

    /**
     * The exit status passed to System.exit while {@code body} ran, or null if it was not called
     * (the call is blocked).
     */
    @SuppressWarnings("removal")
    static Integer exitStatus(Runnable body) {
        Integer[] status = {null};
        SecurityManager old = System.getSecurityManager();
        System.setSecurityManager(
                new SecurityManager() {
                    @Override
                    public void checkPermission(Permission perm) {}

                    @Override
                    public void checkPermission(Permission perm, Object context) {}

                    @Override
                    public void checkExit(int code) {
                        status[0] = code;
                        throw new SecurityException(
                                "System.exit(" + code + ") blocked by the test");
                    }
                });
        try {
            body.run();
        } catch (SecurityException e) {
            if (status[0] == null) throw e;
        } finally {
            System.setSecurityManager(old);
        }
        return status[0];
    }

    @Test
    void mainReturnsOnSuccessAndExitsOnFailure() {
        assertNull(
                exitStatus(() -> AdaMix.main(new String[] {"--help"})),
                "success must return from main, not System.exit(0)");
        assertEquals(
                2,
                exitStatus(
                        () ->
                                AdaMix.main(
                                        new String[] {
                                            "train",
                                            "--backbone",
                                            tmp.resolve("none").toString(),
                                            "--train",
                                            tmp.resolve("none.jsonl").toString(),
                                            "--output",
                                            tmp.resolve("out").toString()
                                        })));
    }

    @Test
    void clusterModeFailureIsAnExceptionWithTheErrorLine() {
        System.setProperty("spark.submit.deployMode", "cluster");
        try {
            AdaMix.Failed[] thrown = {null};
            Integer status =
                    exitStatus(
                            () ->
                                    thrown[0] =
                                            assertThrows(
                                                    AdaMix.Failed.class,
                                                    () ->
                                                            AdaMix.main(
                                                                    new String[] {
                                                                        "train",
                                                                        "--backbone",
                                                                        tmp.resolve("none")
                                                                                .toString(),
                                                                        "--train",
                                                                        tmp.resolve("none.jsonl")
                                                                                .toString(),
                                                                        "--output",
                                                                        tmp.resolve("out")
                                                                                .toString()
                                                                    })));
            assertNull(status, "no System.exit in cluster mode");
            assertEquals(2, thrown[0].exitCode());
            assertTrue(
                    thrown[0]
                            .getMessage()
                            .contains("adamix train: error: backbone does not exist: "),
                    thrown[0].getMessage());
            assertNull(exitStatus(() -> AdaMix.main(new String[] {"--help"})));
        } finally {
            System.clearProperty("spark.submit.deployMode");
        }
    }
}
