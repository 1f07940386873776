package org.adamix.jobs.encode;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import org.adamix.datasets.tokenize.EncodeOptions;
import org.adamix.datasets.tokenize.Encoding;
import org.adamix.datasets.tokenize.Tokenizer;
import org.adamix.datasets.tokenize.Tokenizers;
import org.adamix.jobs.AdaMix;
import org.adamix.jobs.cli.Failures;
import org.adamix.model.AdaMixModel;
import org.adamix.model.AdaptationConfig;
import org.adamix.model.Batch;
import org.adamix.model.BertConfig;
import org.adamix.model.HeadConfig;
import org.adamix.model.Method;
import org.adamix.model.OptimizerConfig;
import org.adamix.model.checkpoint.AtomicFiles;
import org.adamix.model.checkpoint.Backbone;
import org.adamix.model.checkpoint.BackboneLoader;
import org.adamix.model.checkpoint.CheckpointException;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code adamix encode}: runs a pre-trained backbone over the lines of a text file, locally in this
 * JVM (no Spark). Each input line becomes one JSON object on the same line number of the output:
 *
 * <pre>{"line":1,"ids":[101,…,102],"type_ids":[0,…],"first_token":[0.0123,…]}</pre>
 *
 * {@code ids}/{@code type_ids}: the tokenizer's ids (special tokens included, after truncation);
 * {@code first_token}: the final hidden state of the first token ([CLS] / &lt;s&gt;), every
 * dimension, float32. The output appears complete or not at all (temporary file + rename); any bad
 * input line, a missing file or a broken backbone fails the whole run with one line naming the file
 * (and line), exit code 2 (1 for other failures).
 */
@Command(
        name = "encode",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description =
                "Final hidden state of the first token of each line of a text file (JSON Lines out), "
                        + "with any supported backbone folder (Hugging Face config.json + model.safetensors, or model.onnx) "
                        + "and its tokenizer (tokenizer.json, vocab.txt, or vocab.json + merges.txt).")
public final class Encode implements Callable<Integer> {

    @Option(
            names = "--backbone",
            required = true,
            paramLabel = "DIR",
            description =
                    "Backbone folder (or .onnx file); the tokenizer is read from the same folder.")
    Path backbone;

    @Option(
            names = "--input",
            required = true,
            paramLabel = "TEXTS.txt",
            description =
                    "UTF-8 text, one text per line (with --pairs: two sentences separated by one tab).")
    Path input;

    @Option(
            names = "--output",
            required = true,
            paramLabel = "OUT.jsonl",
            description = "JSON Lines to write (replaced atomically).")
    Path output;

    @Option(
            names = "--pairs",
            description = "Each line is a sentence pair: first<TAB>second (token types 0 and 1).")
    boolean pairs;

    @Option(
            names = "--max-length",
            paramLabel = "N",
            description =
                    "Truncate to N tokens, special tokens included (default: the model's maximum, at most 512).")
    Integer maxLength;

    @Option(
            names = "--batch-size",
            paramLabel = "N",
            defaultValue = "16",
            description = "Texts per forward pass (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Spec CommandSpec spec;

    /**
     * Bad input (options, input lines, a missing or broken backbone), reported as one line and exit
     * code 2.
     */
    static final class EncodeException extends Exception {
        EncodeException(String message) {
            super(message);
        }
    }

    /** One input line: its 1-based number and its text(s). */
    record Line(int number, String text, String pair) {}

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();
        long t0 = System.nanoTime();
        try {
            int n = run();
            out.printf(
                    "encode: wrote %d line%s to %s in %.1f s%n",
                    n, n == 1 ? "" : "s", output, (System.nanoTime() - t0) / 1e9);
            out.flush();
            return 0;
        } catch (EncodeException e) {
            return fail(err, e, Failures.BAD_INPUT);
        } catch (IOException | RuntimeException e) {
            return fail(err, e, Failures.FAILED);
        }
    }

    private static int fail(PrintWriter err, Exception e, int code) {
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        err.println(Failures.noteError("encode: " + msg.lines().findFirst().orElse(msg)));
        err.flush();
        return code;
    }

    /**
     * Validates everything, then encodes into a temporary file that is renamed over {@code output}.
     */
    int run() throws EncodeException, IOException {
        if (batchSize < 1)
            throw new EncodeException("--batch-size must be at least 1, got " + batchSize);
        if (maxLength != null && maxLength < 2)
            throw new EncodeException("--max-length must be at least 2, got " + maxLength);
        List<Line> lines = readLines(input, pairs);

        if (!Files.exists(backbone)) throw new EncodeException(backbone + ": backbone not found");
        if (isGpt2(backbone)) return encodeGpt2(lines);
        Backbone bb;
        try {
            bb = BackboneLoader.load(backbone);
        } catch (CheckpointException e) {
            throw new EncodeException(e.getMessage()); // names the file (and tensor)
        } catch (IOException | RuntimeException e) {
            throw new EncodeException(backbone + ": cannot load the backbone: " + e.getMessage());
        }
        BertConfig c = bb.config();
        int modelMax = Math.min(512, c.maxPositions() - c.positionOffset());
        int max = maxLength == null ? modelMax : maxLength;
        if (max > modelMax)
            throw new EncodeException(
                    "--max-length "
                            + max
                            + " exceeds what backbone '"
                            + bb.name()
                            + "' takes ("
                            + modelMax
                            + " positions)");
        Path tokDir =
                Files.isDirectory(backbone) ? backbone : backbone.toAbsolutePath().getParent();
        Tokenizer tok;
        try {
            tok = Tokenizers.load(tokDir).withOptions(EncodeOptions.DEFAULT.withMaxLength(max));
        } catch (IOException | RuntimeException e) {
            throw new EncodeException(tokDir + ": cannot load the tokenizer: " + e.getMessage());
        }
        if (tok.vocabSize() > c.vocabSize())
            throw new EncodeException(
                    tokDir
                            + ": tokenizer has "
                            + tok.vocabSize()
                            + " ids but the backbone's vocabulary only "
                            + c.vocabSize()
                            + " (tokenizer of another model?)");
        AdaMixModel model =
                AdaMixModel.build(
                        bb,
                        AdaptationConfig.of(Method.NONE, 0),
                        HeadConfig.classification(2),
                        OptimizerConfig.adam(1e-3),
                        0);

        writeJsonLines(lines, (g, chunk) -> writeBatch(g, model, tok, chunk, c.typeVocabSize()));
        return lines.size();
    }

    /** Writes one batch of lines as JSON objects. */
    private interface BatchWriter {
        void write(JsonGenerator g, List<Line> chunk) throws IOException, EncodeException;
    }

    /** The lines in batches of --batch-size into --output, replaced atomically. */
    private void writeJsonLines(List<Line> lines, BatchWriter batch)
            throws IOException, EncodeException {
        Path target = output.toAbsolutePath().normalize();
        if (Files.isDirectory(target)) throw new EncodeException(target + ": is a directory");
        AtomicFiles.writeFile(
                target,
                tmp -> {
                    try (OutputStream os = Files.newOutputStream(tmp);
                            JsonGenerator g =
                                    new JsonFactory().createGenerator(os, JsonEncoding.UTF8)) {
                        g.setRootValueSeparator(null);
                        for (int from = 0; from < lines.size(); from += batchSize)
                            batch.write(
                                    g,
                                    lines.subList(from, Math.min(lines.size(), from + batchSize)));
                    }
                });
    }

    /** A Hugging Face folder whose config.json says model_type "gpt2". */
    private static boolean isGpt2(Path dir) {
        Path config = dir.resolve("config.json");
        if (!Files.isDirectory(dir) || !Files.isRegularFile(config)) return false;
        try {
            var root = new com.fasterxml.jackson.databind.ObjectMapper().readTree(config.toFile());
            return "gpt2".equals(root.path("model_type").asText());
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * A GPT-2 backbone: {"line":n,"ids":[…],"last_token":[…]}, the final hidden state (after ln_f)
     * of the last token — a causal model's summary of the whole line.
     */
    private int encodeGpt2(List<Line> lines) throws EncodeException, IOException {
        if (pairs) throw new EncodeException("--pairs: a GPT-2 backbone has no sentence pairs");
        org.adamix.model.checkpoint.Gpt2Backbone bb;
        try {
            bb = org.adamix.model.checkpoint.Gpt2FolderReader.read(backbone);
        } catch (CheckpointException e) {
            throw new EncodeException(e.getMessage());
        }
        int max = maxLength == null ? bb.config().maxPositions() : maxLength;
        if (max > bb.config().maxPositions())
            throw new EncodeException(
                    "--max-length " + max + " exceeds n_positions " + bb.config().maxPositions());
        Tokenizer tok;
        try {
            tok = Tokenizers.load(backbone).withOptions(EncodeOptions.DEFAULT.withMaxLength(max));
        } catch (IOException | RuntimeException e) {
            throw new EncodeException(backbone + ": cannot load the tokenizer: " + e.getMessage());
        }
        var decoder = new org.adamix.model.decoder.Gpt2Decoder(bb, DataType.FLOAT);
        writeJsonLines(
                lines,
                (g, chunk) -> {
                    int[][] ids = new int[chunk.size()][];
                    for (int i = 0; i < ids.length; i++) {
                        // lines are never blank (readLines): byte-level BPE gives tokens
                        Encoding e = tok.encode(chunk.get(i).text());
                        ids[i] = Arrays.copyOf(e.ids(), e.length());
                    }
                    INDArray last = decoder.lastTokenStates(ids);
                    for (int i = 0; i < ids.length; i++) {
                        g.writeStartObject();
                        g.writeNumberField("line", chunk.get(i).number());
                        g.writeArrayFieldStart("ids");
                        for (int id : ids[i]) g.writeNumber(id);
                        g.writeEndArray();
                        g.writeArrayFieldStart("last_token");
                        for (float v : last.getRow(i).toFloatVector()) g.writeNumber(v);
                        g.writeEndArray();
                        g.writeEndObject();
                        g.writeRaw('\n');
                    }
                });
        return lines.size();
    }

    private void writeBatch(
            JsonGenerator g, AdaMixModel model, Tokenizer tok, List<Line> chunk, int typeVocab)
            throws IOException, EncodeException {
        int b = chunk.size();
        List<Encoding> enc = new ArrayList<>(b);
        int[][] ids = new int[b][], types = new int[b][];
        for (int i = 0; i < b; i++) {
            Line l = chunk.get(i);
            Encoding e = l.pair() == null ? tok.encode(l.text()) : tok.encode(l.text(), l.pair());
            enc.add(e);
            ids[i] = Arrays.copyOf(e.ids(), e.length());
            types[i] = Arrays.copyOf(e.typeIds(), e.length());
            for (int t : types[i])
                if (t >= typeVocab)
                    throw new EncodeException(
                            input
                                    + ":"
                                    + l.number()
                                    + ": token type "
                                    + t
                                    + " but the backbone has "
                                    + typeVocab
                                    + " token type"
                                    + (typeVocab == 1 ? "" : "s")
                                    + " (no sentence pairs)");
        }
        Batch batch = Batch.of(ids, types, null, 2, false, DataType.FLOAT);
        INDArray first =
                model.encode(batch)
                        .get(NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all());
        for (int i = 0; i < b; i++) {
            g.writeStartObject();
            g.writeNumberField("line", chunk.get(i).number());
            g.writeArrayFieldStart("ids");
            for (int id : ids[i]) g.writeNumber(id);
            g.writeEndArray();
            g.writeArrayFieldStart("type_ids");
            for (int t : types[i]) g.writeNumber(t);
            g.writeEndArray();
            g.writeArrayFieldStart("first_token");
            float[] v = first.getRow(i).dup().data().asFloat();
            for (float x : v) g.writeNumber(x);
            g.writeEndArray();
            g.writeEndObject();
            g.writeRaw('\n');
        }
    }

    /**
     * Every line, strictly UTF-8 (decoded line by line, so a bad byte is reported on its own line);
     * the first bad one fails with "file:line: problem".
     */
    static List<Line> readLines(Path file, boolean pairs) throws EncodeException, IOException {
        if (!Files.exists(file)) throw new EncodeException(file + ": input file not found");
        if (!Files.isRegularFile(file))
            throw new EncodeException(file + ": input is not a regular file");
        var decoder =
                StandardCharsets.UTF_8
                        .newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT);
        List<Line> out = new ArrayList<>();
        int number = 0;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            for (int c = in.read(); ; c = in.read()) {
                if (c >= 0 && c != '\n') {
                    buf.write(c);
                    continue;
                }
                if (c < 0 && buf.size() == 0) break; // no text after the last newline
                number++;
                String s;
                try {
                    s = decoder.decode(ByteBuffer.wrap(buf.toByteArray())).toString();
                } catch (CharacterCodingException e) {
                    throw new EncodeException(file + ":" + number + ": not valid UTF-8");
                }
                buf.reset();
                if (s.endsWith("\r")) s = s.substring(0, s.length() - 1);
                if (number == 1 && s.startsWith("\uFEFF")) s = s.substring(1);
                out.add(parse(file, number, s, pairs));
                if (c < 0) break;
            }
        }
        if (out.isEmpty()) throw new EncodeException(file + ": no lines to encode");
        return out;
    }

    private static Line parse(Path file, int number, String s, boolean pairs)
            throws EncodeException {
        if (s.isBlank())
            throw new EncodeException(
                    file + ":" + number + ": empty line (every line must hold a text)");
        if (!pairs) return new Line(number, s, null);
        int tab = s.indexOf('\t');
        if (tab < 0)
            throw new EncodeException(
                    file + ":" + number + ": no tab: --pairs needs first<TAB>second");
        if (s.indexOf('\t', tab + 1) >= 0)
            throw new EncodeException(
                    file
                            + ":"
                            + number
                            + ": more than one tab: --pairs needs exactly first<TAB>second");
        String a = s.substring(0, tab), b = s.substring(tab + 1);
        if (a.isBlank() || b.isBlank())
            throw new EncodeException(
                    file
                            + ":"
                            + number
                            + ": "
                            + (a.isBlank() ? "first" : "second")
                            + " sentence of the pair is empty");
        return new Line(number, a, b);
    }

    public static void main(String[] args) {
        AdaMix.end(new CommandLine(new Encode()).execute(args));
    }
}
