package org.adamix.jobs.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.adamix.datasets.tokenize.Tokenizer;
import org.adamix.datasets.tokenize.Tokenizers;
import org.adamix.model.checkpoint.Backbone;
import org.adamix.model.checkpoint.BackboneLoader;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The driver's view of {@code --backbone}: an ONNX or Hugging Face folder (or an .onnx file) on any
 * Hadoop file system, copied to a local temporary folder when remote, loaded, and its tokenizer
 * files kept as bytes for shipping to executors.
 */
public final class BackboneSource implements AutoCloseable {
    /** Files a tokenizer may be made from, in the order {@link Tokenizers#load} prefers them. */
    static final List<String> TOKENIZER_FILES =
            List.of(
                    "tokenizer.json",
                    "vocab.txt",
                    "vocab.json",
                    "merges.txt",
                    "tokenizer_config.json");

    private final Backbone backbone;
    private final Tokenizer tokenizer;
    private final Map<String, byte[]> tokenizerFiles;
    private final java.nio.file.Path tempDir;

    private BackboneSource(
            Backbone backbone,
            Tokenizer tokenizer,
            Map<String, byte[]> tokenizerFiles,
            java.nio.file.Path tempDir) {
        this.backbone = backbone;
        this.tokenizer = tokenizer;
        this.tokenizerFiles = tokenizerFiles;
        this.tempDir = tempDir;
    }

    public static BackboneSource open(String uri, Configuration conf) throws IOException {
        Path path = new Path(uri);
        FileSystem fs = path.getFileSystem(conf);
        if (!fs.exists(path))
            throw new JobInputException("backbone does not exist: " + fs.makeQualified(path));
        java.nio.file.Path temp = null;
        java.nio.file.Path local;
        boolean isDir = fs.getFileStatus(path).isDirectory();
        if ("file".equals(fs.getScheme())) {
            local = java.nio.file.Path.of(fs.makeQualified(path).toUri());
        } else {
            temp = Files.createTempDirectory("adamix-backbone-");
            if (isDir) {
                local = FsPaths.copyToLocal(path, temp, conf);
            } else {
                local = FsPaths.copyToLocal(path, temp, conf);
                for (String name : TOKENIZER_FILES) {
                    Path sibling = new Path(path.getParent(), name);
                    if (fs.exists(sibling)) FsPaths.copyToLocal(sibling, temp, conf);
                }
            }
        }
        try {
            Backbone b;
            try {
                b = BackboneLoader.load(local);
            } catch (IOException | RuntimeException e) {
                throw new JobInputException(
                        "backbone " + uri + " cannot be loaded: " + oneLine(e), e);
            }
            java.nio.file.Path dir =
                    Files.isDirectory(local) ? local : local.toAbsolutePath().getParent();
            Map<String, byte[]> files = new LinkedHashMap<>();
            for (String name : TOKENIZER_FILES) {
                java.nio.file.Path f = dir.resolve(name);
                if (Files.isRegularFile(f)) files.put(name, Files.readAllBytes(f));
            }
            if (!files.containsKey("tokenizer.json")
                    && !files.containsKey("vocab.txt")
                    && !files.containsKey("vocab.json"))
                throw new JobInputException(
                        "backbone "
                                + uri
                                + " has no tokenizer: expected tokenizer.json, vocab.txt or vocab.json + merges.txt beside the weights");
            Tokenizer t;
            try {
                t = TokenizerFiles.load(files);
            } catch (IOException | RuntimeException e) {
                throw new JobInputException(
                        "tokenizer of backbone " + uri + " cannot be loaded: " + oneLine(e), e);
            }
            return new BackboneSource(b, t, files, temp);
        } catch (RuntimeException | IOException e) {
            FsPaths.deleteLocal(temp);
            throw e;
        }
    }

    private static String oneLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    public Backbone backbone() {
        return backbone;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public Map<String, byte[]> tokenizerFiles() {
        return tokenizerFiles;
    }

    @Override
    public void close() {
        FsPaths.deleteLocal(tempDir);
    }
}
