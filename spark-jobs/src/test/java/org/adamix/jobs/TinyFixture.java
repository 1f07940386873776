package org.adamix.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.adamix.model.BertConfig;
import org.adamix.model.RandomBackbone;
import org.adamix.model.checkpoint.HfFolderWriter;

/**
 * A tiny random BERT (hidden 16, 2 layers, Hugging Face folder with a WordPiece vocab.txt) and tiny
 * two-class datasets of words from that vocabulary: fast runs for tests that exercise the jobs, not
 * learning.
 */
final class TinyFixture {
    private TinyFixture() {}

    static final List<String> POSITIVE = List.of("good", "great", "fine", "nice", "happy");
    static final List<String> NEGATIVE = List.of("bad", "awful", "poor", "sad", "terrible");
    static final List<String> NEUTRAL =
            List.of("the", "a", "movie", "film", "was", "is", "plot", "acting");

    static Path backbone(Path dir) throws IOException {
        List<String> vocab = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"));
        vocab.addAll(POSITIVE);
        vocab.addAll(NEGATIVE);
        vocab.addAll(NEUTRAL);
        BertConfig c = BertConfig.tiny(vocab.size(), 16, 2, 2, 32, 32, "gelu");
        HfFolderWriter.write(RandomBackbone.create(c, 7, true, 0.3), dir);
        Files.write(dir.resolve("vocab.txt"), vocab);
        return dir;
    }

    /** {@code n} rows {"id", "text", "label": pos|neg}; the label's words outnumber the other's. */
    static Path data(Path file, String prefix, int n, long seed) throws IOException {
        return data(file, prefix, n, seed, false);
    }

    /** With {@code regression} the label is the number of positive words. */
    static Path data(Path file, String prefix, int n, long seed, boolean regression)
            throws IOException {
        SplittableRandom r = new SplittableRandom(seed);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            boolean pos = i % 2 == 0;
            List<String> words = new ArrayList<>();
            for (int w = 0; w < 6; w++) {
                int k = r.nextInt(10);
                List<String> from =
                        k < 4
                                ? (pos ? POSITIVE : NEGATIVE)
                                : k < 5 ? (pos ? NEGATIVE : POSITIVE) : NEUTRAL;
                words.add(from.get(r.nextInt(from.size())));
            }
            String label = pos ? "\"pos\"" : "\"neg\"";
            if (regression)
                label = Long.toString(words.stream().filter(POSITIVE::contains).count());
            lines.add(
                    String.format(
                            "{\"id\": \"%s%03d\", \"text\": \"%s\", \"label\": %s}",
                            prefix, i, String.join(" ", words), label));
        }
        Files.createDirectories(file.getParent());
        Files.write(file, lines);
        return file;
    }

    /**
     * A small AdaMix training run on the tiny backbone (r 4, M 2, 2 epochs, batch 4, 2 workers,
     * seed 3) with {@code localSteps} steps per round, writing to {@code out}; {@code more} adds
     * options.
     */
    static String[] trainArgs(
            Path backbone, Path train, Path dev, Path out, int localSteps, String... more) {
        return trainArgs(
                backbone.toString(),
                train.toString(),
                dev.toString(),
                out.toString(),
                localSteps,
                more);
    }

    /** The same with any Hadoop URIs (e.g. on HDFS). */
    static String[] trainArgs(
            String backbone, String train, String dev, String out, int localSteps, String... more) {
        List<String> a = new java.util.ArrayList<>(List.of("--backbone", backbone));
        a.addAll(List.of("--train", train, "--dev", dev));
        a.addAll(
                List.of(
                        "--batch-size",
                        "4",
                        "--max-length",
                        "16",
                        "--rank",
                        "4",
                        "--experts",
                        "2"));
        a.addAll(List.of("--epochs", "2", "--lr", "1e-2", "--workers", "2"));
        a.addAll(List.of("--local-steps", Integer.toString(localSteps), "--seed", "3"));
        a.addAll(List.of("--output", out));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }
}
