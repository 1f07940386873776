package org.adamix.model.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.adamix.datasets.tokenize.EncodeOptions;
import org.adamix.datasets.tokenize.Encoding;
import org.adamix.datasets.tokenize.Tokenizer;
import org.adamix.datasets.tokenize.Tokenizers;
import org.adamix.model.AdaMixModel;
import org.adamix.model.AdaptationConfig;
import org.adamix.model.Batch;
import org.adamix.model.HeadConfig;
import org.adamix.model.Method;
import org.adamix.model.OptimizerConfig;
import org.adamix.model.checkpoint.Backbone;
import org.adamix.model.checkpoint.BackboneLoader;
import org.adamix.model.checkpoint.HfFolderReader;
import org.adamix.model.checkpoint.HfFolderWriter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The imported all-MiniLM-L6-v2 run through {@link AdaMixModel} equals ONNX Runtime running the
 * original model.onnx: {@code last_hidden_state} on real sentences of varied length, batched and
 * padded to the longest with an attention mask, compared at every real (unpadded) position with max
 * |diff| ≤ 1e-4.
 */
class OnnxRuntimeConformanceTest {

    /** Float32 on both sides; measured max |diff| is reported by the test output. */
    static final double TOLERANCE = 1e-4;

    static final int MAX_LENGTH = 128;
    static final int BATCH = 8;

    private static OrtEnvironment env;
    private static OrtSession session;
    private static Backbone miniLm;
    private static Tokenizer tokenizer;

    @BeforeAll
    static void load() throws Exception {
        Path dir = Data.miniLmDir();
        env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
        opts.setIntraOpNumThreads(1);
        session = env.createSession(dir.resolve("model.onnx").toString(), opts);
        miniLm = BackboneLoader.load(dir);
        tokenizer =
                Tokenizers.load(dir).withOptions(EncodeOptions.DEFAULT.withMaxLength(MAX_LENGTH));
    }

    @AfterAll
    static void close() throws OrtException {
        if (session != null) session.close();
    }

    /**
     * 16 IMDB reviews (half cut to their first words, so lengths vary) and 8 short, accented or
     * unusual texts.
     */
    static List<String> sentences() throws IOException {
        List<String> out = new ArrayList<>();
        List<String> reviews = Data.imdbDevTexts(16);
        int[] words = {3, 7, 12, 20, 31, 45, 60, 80};
        for (int i = 0; i < reviews.size(); i++) {
            String r = reviews.get(i);
            if (i % 2 == 1) {
                String[] w = r.split(" ");
                r = String.join(" ", Arrays.copyOf(w, Math.min(w.length, words[i / 2])));
            }
            out.add(r);
        }
        out.addAll(
                List.of(
                        "Great!",
                        "A",
                        "Café au lait, crème brûlée and a naïve résumé — très bien.",
                        "Ünïcödé Ølsen from Reykjavík saw Amélie in São Paulo.",
                        "I didn't like it... at ALL!!!",
                        "这部电影非常好看",
                        "The movie (1999) was rated 8/10 by 1,234 users; $5 well spent?",
                        ""));
        return out;
    }

    @Test
    void sessionTakesTheThreeBertInputsAndGivesLastHiddenState() throws OrtException {
        Map<String, NodeInfo> inputs = session.getInputInfo();
        assertEquals(
                List.of("attention_mask", "input_ids", "token_type_ids"),
                inputs.keySet().stream().sorted().toList(),
                "ONNX model inputs");
        for (NodeInfo in : inputs.values()) {
            TensorInfo t = (TensorInfo) in.getInfo();
            assertEquals(ai.onnxruntime.OnnxJavaType.INT64, t.type, in.getName());
            assertEquals(2, t.getShape().length, in.getName());
        }
        assertTrue(
                session.getOutputNames().contains("last_hidden_state"),
                "outputs: " + session.getOutputNames());
    }

    @Test
    void encoderEqualsOnnxRuntimeOnPaddedBatchesOfRealSentences() throws Exception {
        List<String> texts = sentences();
        assertTrue(texts.size() >= 20);
        List<Encoding> enc = new ArrayList<>();
        for (String t : texts) enc.add(tokenizer.encode(t));
        compare("single sentences", enc, Method.NONE);
    }

    @Test
    void identityAdaptersDoNotChangeTheEncoder() throws Exception {
        List<Encoding> enc = new ArrayList<>();
        for (String t : sentences().subList(0, 8)) enc.add(tokenizer.encode(t));
        compare("pfeiffer, zero-initialised up", enc, Method.PFEIFFER);
        compare("lora, zero-initialised B", enc, Method.LORA);
    }

    @Test
    void sentencePairsUseTokenTypes() throws Exception {
        List<String> texts = sentences();
        List<Encoding> enc = new ArrayList<>();
        for (int i = 0; i + 1 < texts.size(); i += 3)
            enc.add(tokenizer.encode(texts.get(i + 1), texts.get(i)));
        assertTrue(enc.stream().anyMatch(e -> Arrays.stream(e.typeIds()).anyMatch(t -> t == 1)));
        compare("pairs", enc, Method.NONE);
    }

    /**
     * HF folder written from the ONNX import and read back: same checksum, bit-identical outputs.
     */
    @Test
    void safetensorsRoundTripGivesBitIdenticalOutputs(@TempDir Path tmp) throws Exception {
        Path hf = tmp.resolve("minilm-hf");
        HfFolderWriter.write(miniLm, hf);
        Backbone back = HfFolderReader.read(hf);
        assertEquals(miniLm.checksum(), back.checksum());
        assertEquals(
                miniLm.config(),
                back.config()
                        .withDropout(
                                miniLm.config().hiddenDropout(),
                                miniLm.config().attentionDropout()));
        Backbone viaLoader = BackboneLoader.load(hf);
        assertEquals(miniLm.checksum(), viaLoader.checksum());

        List<Encoding> enc = new ArrayList<>();
        for (String t : sentences().subList(0, 8)) enc.add(tokenizer.encode(t));
        Batch batch = batch(enc);
        INDArray a = model(miniLm, Method.NONE).encode(batch);
        INDArray b = model(back, Method.NONE).encode(batch);
        assertArrayEquals(a.shape(), b.shape());
        assertArrayEquals(
                a.data().asFloat(),
                b.data().asFloat(),
                0f,
                "outputs after the safetensors round trip");
    }

    // ---- helpers ----

    private static AdaMixModel model(Backbone bb, Method m) {
        AdaptationConfig a =
                m == Method.NONE ? AdaptationConfig.of(Method.NONE, 0) : AdaptationConfig.of(m, 8);
        return AdaMixModel.build(
                bb, a, HeadConfig.classification(2), OptimizerConfig.adam(1e-3), 1);
    }

    private static Batch batch(List<Encoding> enc) {
        int[][] ids = new int[enc.size()][], types = new int[enc.size()][];
        for (int i = 0; i < enc.size(); i++) {
            ids[i] = Arrays.copyOf(enc.get(i).ids(), enc.get(i).length());
            types[i] = Arrays.copyOf(enc.get(i).typeIds(), enc.get(i).length());
        }
        return Batch.of(ids, types, null, 2, false, DataType.FLOAT);
    }

    /** Runs both engines batch by batch; asserts the max |diff| over real positions. */
    private static void compare(String what, List<Encoding> all, Method method) throws Exception {
        AdaMixModel model = model(miniLm, method);
        double worst = 0;
        String worstAt = "";
        int lengths = 0;
        for (int from = 0; from < all.size(); from += BATCH) {
            List<Encoding> enc = all.subList(from, Math.min(all.size(), from + BATCH));
            Batch batch = batch(enc);
            int b = enc.size(), t = (int) batch.mask().size(1);
            INDArray ours = model.encode(batch);
            float[][][] ref = ort(enc, t);
            assertArrayEquals(new long[] {b, t, 384}, ours.shape());
            for (int i = 0; i < b; i++) {
                lengths += enc.get(i).length();
                for (int j = 0; j < enc.get(i).length(); j++) {
                    for (int k = 0; k < 384; k++) {
                        double d = Math.abs(ours.getDouble(i, j, k) - ref[i][j][k]);
                        if (d > worst) {
                            worst = d;
                            worstAt = "text " + (from + i) + " position " + j + " dim " + k;
                        }
                    }
                }
            }
        }
        System.out.printf(
                "ORT conformance (%s, %s): %d texts, %d real positions, max |diff| %.3g at %s%n",
                what, method, all.size(), lengths, worst, worstAt);
        assertTrue(
                worst <= TOLERANCE,
                what
                        + " ("
                        + method
                        + "): max |diff| "
                        + worst
                        + " at "
                        + worstAt
                        + " exceeds "
                        + TOLERANCE);
    }

    /** ONNX Runtime on the same padded batch: pad id 0, type 0, mask 0 after each sequence. */
    private static float[][][] ort(List<Encoding> enc, int t) throws OrtException {
        int b = enc.size();
        long[][] ids = new long[b][t], mask = new long[b][t], types = new long[b][t];
        for (int i = 0; i < b; i++) {
            Encoding e = enc.get(i);
            for (int j = 0; j < e.length(); j++) {
                ids[i][j] = e.ids()[j];
                types[i][j] = e.typeIds()[j];
                mask[i][j] = 1;
            }
        }
        Map<String, OnnxTensor> in = new HashMap<>();
        try {
            in.put("input_ids", OnnxTensor.createTensor(env, ids));
            in.put("attention_mask", OnnxTensor.createTensor(env, mask));
            in.put("token_type_ids", OnnxTensor.createTensor(env, types));
            try (OrtSession.Result r = session.run(in)) {
                return (float[][][]) r.get("last_hidden_state").orElseThrow().getValue();
            }
        } finally {
            for (OnnxTensor x : in.values()) x.close();
        }
    }
}
