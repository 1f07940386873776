package org.adamix.jobs.encode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.adamix.jobs.generation.TinyGpt2;
import org.adamix.model.checkpoint.Gpt2Backbone;
import org.adamix.model.checkpoint.Gpt2FolderReader;
import org.adamix.model.decoder.Gpt2Decoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * encode on a GPT-2 folder writes each line's byte-level ids and {@code last_token}, the final
 * hidden state of its last token: times the tied embedding it gives that position's next-token
 * logits of the decoder run on the line alone (unpadded, no batch), whatever else is in the batch.
 */
class EncodeGpt2Test {
    @TempDir Path tmp;

    @Test
    void lastTokenIsTheStateBehindTheLastLogits() throws Exception {
        Path gpt2 = TinyGpt2.folder(tmp.resolve("gpt2"), 0.3);
        List<String> texts = List.of("Aromi serves Italian food.", "Zizzi", "a b c d e f g h");
        Path in = Files.write(tmp.resolve("in.txt"), texts);
        Path out = tmp.resolve("out.jsonl");
        int code =
                new picocli.CommandLine(new Encode())
                        .execute(
                                "--backbone", gpt2.toString(),
                                "--input", in.toString(),
                                "--output", out.toString(),
                                "--batch-size", "3");
        assertEquals(0, code);
        Gpt2Backbone bb = Gpt2FolderReader.read(gpt2);
        Gpt2Decoder alone = new Gpt2Decoder(bb, DataType.FLOAT);
        INDArray wte = bb.tensor("wte.weight");
        List<String> lines = Files.readAllLines(out);
        assertEquals(3, lines.size());
        ObjectMapper json = new ObjectMapper();
        for (int i = 0; i < 3; i++) {
            JsonNode n = json.readTree(lines.get(i));
            assertEquals(i + 1, n.get("line").asInt());
            int[] ids = new int[n.get("ids").size()];
            for (int k = 0; k < ids.length; k++) ids[k] = n.get("ids").get(k).asInt();
            // byte-level ids with no merges: one id per byte
            assertEquals(texts.get(i).getBytes("UTF-8").length, ids.length);
            float[] last = new float[n.get("last_token").size()];
            for (int k = 0; k < last.length; k++)
                last[k] = (float) n.get("last_token").get(k).asDouble();
            INDArray logits = alone.forward(new int[][] {ids}, null);
            INDArray expected =
                    logits.get(
                            org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                            org.nd4j.linalg.indexing.NDArrayIndex.point(ids.length - 1),
                            org.nd4j.linalg.indexing.NDArrayIndex.all());
            INDArray got = Nd4j.createFromArray(last).reshape(1, last.length).mmul(wte.transpose());
            double diff = got.reshape(expected.shape()).sub(expected).amaxNumber().doubleValue();
            assertTrue(diff < 1e-4, "line " + (i + 1) + ": " + diff);
        }
    }
}
