package org.adamix.jobs.generation;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.adamix.model.checkpoint.Gpt2Backbone;
import org.adamix.model.checkpoint.Gpt2FolderWriter;
import org.adamix.model.decoder.Gpt2Config;
import org.adamix.model.names.Gpt2TensorNames;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** A tiny GPT-2 folder for the generation tests: 2 layers × 32, 4 heads, 64 positions. */
public final class TinyGpt2 {
    private TinyGpt2() {}

    /**
     * A GPT-2 folder: random weights N(0, std²) (GPT-2's initialisation: 0.02), vocabulary = the
     * 256 byte symbols of byte-level BPE (id = byte) + &lt;|endoftext|&gt; (256), no merges.
     */
    public static Path folder(Path dir, double std) throws Exception {
        Gpt2Config config = new Gpt2Config(257, 64, 32, 2, 4, 64, 1e-5);
        Map<String, INDArray> t = new HashMap<>();
        SplittableRandom r = new SplittableRandom(5);
        for (Map.Entry<String, long[]> e : Gpt2TensorNames.required(config).entrySet()) {
            INDArray a = Nd4j.create(DataType.FLOAT, e.getValue());
            String name = e.getKey();
            if (name.contains("ln_") && name.endsWith(".weight")) a.assign(1);
            else if (name.endsWith(".weight"))
                for (long i = 0; i < a.length(); i++) a.putScalar(i, std * gaussian(r));
            t.put(name, a);
        }
        Gpt2FolderWriter.write(new Gpt2Backbone(config, t, "tiny"), dir);
        StringBuilder vocab = new StringBuilder("{");
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable =
                    (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char ch = (char) (printable ? b : next++);
            String sym = ch == '"' ? "\\\"" : ch == '\\' ? "\\\\" : String.valueOf(ch);
            vocab.append('"').append(sym).append("\":").append(b).append(',');
        }
        vocab.append("\"<|endoftext|>\":256}");
        Files.writeString(dir.resolve("vocab.json"), vocab.toString(), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\n");
        return dir;
    }

    private static double gaussian(SplittableRandom r) {
        double u = 1.0 - r.nextDouble(), v = r.nextDouble();
        return Math.sqrt(-2.0 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
}
