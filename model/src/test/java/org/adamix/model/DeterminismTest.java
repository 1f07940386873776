package org.adamix.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A seed gives the same model and the same training in every JVM: the start weights and the weights
 * after three steps, computed here and in a freshly started JVM, are bit-identical. (With seed 0,
 * DL4J's own initialiser once made the task head differ from one JVM to the next.)
 */
class DeterminismTest {

    /** SHA-256 of the trainable vector at the start and after three steps of adamix-adapter. */
    static String fingerprint() throws Exception {
        // seed 0: DL4J leaves its generator unseeded for 0, which made the task head differ between
        // JVMs
        AdaMixModel m =
                AdaMixModel.build(
                        RandomBackbone.create(LearningTest.CONFIG, 1, false, LearningTest.STD),
                        AdaptationConfig.of(Method.ADAMIX_ADAPTER, 8),
                        HeadConfig.classification(2),
                        OptimizerConfig.adam(1e-2),
                        0);
        String start = sha(m.trainableParams());
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < 3; i++) m.fit(LearningTest.sample(r, 16));
        return start + " " + sha(m.trainableParams());
    }

    static String sha(INDArray v) throws Exception {
        float[] f = v.castTo(DataType.FLOAT).toFloatVector();
        ByteBuffer b = ByteBuffer.allocate(f.length * 4);
        for (float x : f) b.putFloat(x);
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b.array()));
    }

    public static void main(String[] args) throws Exception {
        System.out.println("FINGERPRINT " + fingerprint());
    }

    /**
     * Runs every fused kernel long enough for the JIT to compile it: compiled and interpreted
     * Vector API code must give the same bits (the new JVM below runs the kernels mostly
     * interpreted).
     */
    static void warmKernels() {
        AdaMixModel m =
                AdaMixModel.build(
                        RandomBackbone.create(LearningTest.CONFIG, 3, false, LearningTest.STD),
                        AdaptationConfig.of(Method.ADAMIX_ADAPTER, 8),
                        HeadConfig.classification(2),
                        OptimizerConfig.adam(1e-2),
                        3);
        SplittableRandom r = new SplittableRandom(3);
        Batch big = LearningTest.sample(r, 256);
        for (int i = 0; i < 60; i++) m.fit(big);
    }

    @Test
    void sameSeedSameWeightsInAnotherJvm() throws Exception {
        warmKernels();
        String here = fingerprint();
        List<String> cmd =
                new ArrayList<>(
                        List.of(
                                ProcessHandle.current().info().command().orElse("java"),
                                "-cp",
                                System.getProperty("java.class.path")));
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments())
            if (a.startsWith("--add-") || a.startsWith("-Dadamix")) cmd.add(a);
        cmd.add(DeterminismTest.class.getName());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String there = null;
        StringBuilder log = new StringBuilder();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
            for (String line; (line = in.readLine()) != null; ) {
                log.append(line).append('\n');
                if (line.startsWith("FINGERPRINT ")) there = line.substring(12);
            }
        }
        assertEquals(0, p.waitFor(), log.toString());
        assertTrue(there != null, log.toString());
        assertEquals(here, there, "start weights and weights after 3 steps, this JVM vs a new one");
    }
}
