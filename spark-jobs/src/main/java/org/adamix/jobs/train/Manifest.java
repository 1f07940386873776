package org.adamix.jobs.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code MANIFEST.json} of a checkpoint folder: every file's size and SHA-256, written last. A
 * folder whose manifest is missing, or whose files differ from it, is torn (a copy cut short, a
 * file lost or truncated on the way) and is not resumed from.
 */
public final class Manifest {
    public static final String NAME = "MANIFEST.json";

    private Manifest() {}

    /**
     * Lists every file under {@code dir} (nested ones by relative path) in {@code
     * dir/MANIFEST.json}.
     */
    public static void write(Path dir) throws IOException {
        ObjectNode files = MetricsLog.JSON.createObjectNode();
        List<Path> all;
        try (Stream<Path> s = Files.walk(dir)) {
            all =
                    s.filter(Files::isRegularFile)
                            .filter(p -> !p.getFileName().toString().equals(NAME))
                            .sorted()
                            .toList();
        }
        for (Path f : all) {
            ObjectNode e = files.putObject(dir.relativize(f).toString().replace('\\', '/'));
            e.put("size", Files.size(f));
            e.put("sha256", sha256(f));
        }
        ObjectNode m = MetricsLog.JSON.createObjectNode();
        m.set("files", files);
        Files.writeString(dir.resolve(NAME), m.toPrettyString() + "\n");
    }

    /**
     * What is wrong with {@code dir} against its manifest (the first problem found), or null when
     * every listed file matches.
     */
    public static String problem(Path dir) throws IOException {
        Path mf = dir.resolve(NAME);
        if (!Files.isRegularFile(mf)) return "no " + NAME;
        JsonNode files;
        try {
            files = MetricsLog.JSON.readTree(mf.toFile()).get("files");
        } catch (IOException e) {
            return NAME + " is unreadable";
        }
        if (files == null || !files.isObject() || files.isEmpty()) return NAME + " lists no files";
        for (Iterator<Map.Entry<String, JsonNode>> it = files.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            Path f = dir.resolve(e.getKey());
            if (!Files.isRegularFile(f)) return e.getKey() + " is missing";
            long size = Files.size(f), expected = e.getValue().path("size").asLong(-1);
            if (size != expected)
                return e.getKey() + " has " + size + " bytes, the manifest says " + expected;
            if (!sha256(f).equals(e.getValue().path("sha256").asText()))
                return e.getKey() + " does not match its SHA-256";
        }
        return null;
    }

    static String sha256(Path f) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(f)) {
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
