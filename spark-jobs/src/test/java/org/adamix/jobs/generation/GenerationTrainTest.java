package org.adamix.jobs.generation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.adamix.datasets.generation.metrics.CorpusBleu;
import org.adamix.jobs.cli.EvaluateCommand;
import org.adamix.jobs.cli.GenerateCommand;
import org.adamix.jobs.cli.TrainCommand;
import org.adamix.model.AdaptationConfig;
import org.adamix.model.Method;
import org.adamix.model.OptimizerConfig;
import org.adamix.model.checkpoint.Gpt2Backbone;
import org.adamix.model.checkpoint.Gpt2FolderReader;
import org.adamix.model.decoder.Gpt2LmModel;
import org.adamix.model.decoder.LmBatch;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * {@code train --task generation} on a real local[2] Spark: a tiny random GPT-2 with a byte-level
 * vocabulary (every byte a token, plus &lt;|endoftext|&gt;) learns a toy data-to-text task (a name
 * and a food → "X serves Y."). The trained model must lower the dev loss per target token well
 * below the untrained backbone's, the output must be complete ({@code _SUCCESS}), and the merged
 * output — AdaMix-LoRA's experts averaged and folded into c_attn — must be a GPT-2 folder that
 * loads and scores the dev set as the job reported.
 */
class GenerationTrainTest {
    static JavaSparkContext sc;
    @TempDir static Path tmp;

    @BeforeAll
    static void start() {
        sc =
                new JavaSparkContext(
                        new SparkConf()
                                .setMaster("local[2]")
                                .setAppName("adamix-test")
                                .set("spark.ui.enabled", "false")
                                .set("spark.driver.host", "127.0.0.1"));
        sc.setLogLevel("WARN");
    }

    @AfterAll
    static void stop() {
        if (sc != null) sc.stop();
    }

    static final String[] NAMES = {"Aromi", "Bibimbap", "Cotto", "Zizzi", "Loch Fyne", "Wildwood"};
    static final String[] FOODS = {"Italian", "French", "Indian", "Chinese", "English"};

    /**
     * Full fine-tuning of a tiny GPT-2 from scratch learns the task; generate and evaluate --task
     * generation run its model.
     */
    @Test
    void fullFineTuningLearnsFromScratch() throws Exception {
        Path scratch = TinyGpt2.folder(tmp.resolve("gpt2-scratch"), 0.02);
        Run full = train(scratch, "full", 20, "5e-3");
        assertTrue(
                full.devLoss < full.untrained - 3,
                "full: dev loss " + full.devLoss + " vs untrained " + full.untrained);

        // generate, then evaluate --task generation: its BLEU is the corpus BLEU of those very
        // generations against the references grouped by source
        Path dev = tmp.resolve("full-dev.jsonl");
        List<JsonNode> gen =
                generate(dev, "--backbone", scratch.toString(), "--model", full.out.toString());
        List<String> hyps = new ArrayList<>();
        for (JsonNode g : gen) hyps.add(g.get("text").asText());
        Path eval = tmp.resolve("eval.json");
        EvaluateCommand ev = new EvaluateCommand();
        int code =
                new picocli.CommandLine(ev)
                        .execute(
                                "--task",
                                "generation",
                                "--backbone",
                                scratch.toString(),
                                "--model",
                                full.out.toString(),
                                "--data",
                                dev.toString(),
                                "--beams",
                                "1",
                                "--max-new-tokens",
                                "24",
                                "--workers",
                                "2",
                                "--output",
                                eval.toString());
        assertEquals(0, code);
        Map<String, List<String>> refs = new java.util.LinkedHashMap<>();
        Map<String, String> hypBySource = new HashMap<>();
        ObjectMapper json = new ObjectMapper();
        List<String> devLines = Files.readAllLines(dev);
        for (int i = 0; i < devLines.size(); i++) {
            JsonNode n = json.readTree(devLines.get(i));
            refs.computeIfAbsent(n.get("source").asText(), k -> new ArrayList<>())
                    .add(n.get("target").asText());
            hypBySource.putIfAbsent(n.get("source").asText(), hyps.get(i));
        }
        List<String> h = new ArrayList<>();
        for (String src : refs.keySet()) h.add(hypBySource.get(src).trim());
        double bleu = CorpusBleu.of(h, new ArrayList<>(refs.values())).score();
        JsonNode scores = json.readTree(eval.toFile()).get("scores");
        assertEquals(bleu, scores.get("bleu").asDouble(), 1e-12);
        assertEquals(refs.size(), scores.get("sources").asInt());
        assertTrue(Files.exists(tmp.resolve("eval.json.generations.jsonl")));
        double rouge =
                org.adamix.datasets.generation.metrics.RougeL.corpus(
                        h, new ArrayList<>(refs.values()));
        assertEquals(rouge, scores.get("rouge_l").asDouble(), 1e-12);
        // 120 steps of a 2-layer byte-level model spell names and foods half right: word 4-grams
        // rarely match (BLEU ≈ 0), the longest common word subsequence does
        assertTrue(rouge > 0.15, "ROUGE-L " + rouge + " of " + h);
    }

    /**
     * AdaMix-LoRA on a frozen random backbone (weights spread wide enough that attention's query
     * and value can move the output) lowers the dev loss, and its merged output — experts averaged,
     * folded into c_attn — is a GPT-2 folder that scores the dev set as the job reported.
     */
    @Test
    void adamixLoraLearnsAndItsMergedFolderScoresTheSame() throws Exception {
        Run lora = train(TinyGpt2.folder(tmp.resolve("gpt2-wide"), 0.3), "adamix-lora", 6, "1e-2");
        assertTrue(
                lora.devLoss < lora.untrained - 0.5,
                "adamix-lora: dev loss " + lora.devLoss + " vs its backbone " + lora.untrained);
        JsonNode summary = new ObjectMapper().readTree(lora.out.resolve("summary.json").toFile());
        assertEquals("hugging-face-gpt2", summary.get("merged").asText());
        Gpt2Backbone merged = Gpt2FolderReader.read(lora.out.resolve("merged"));
        double mergedLoss = model(merged).evaluationLoss(lora.dev);
        assertEquals(
                lora.devLoss, mergedLoss, 2e-3, "the merged folder scores as the job reported");
        assertTrue(Files.exists(lora.out.resolve("merged/vocab.json")));
        assertTrue(Files.exists(lora.out.resolve("peft/adapter_model.safetensors")));
        assertTrue(Files.exists(lora.out.resolve("peft/adapter_config.json")));
        assertTrue(Files.exists(lora.out.resolve("model/trainable.safetensors")));

        // generate: the mixture on its backbone (experts averaged) and the merged folder alone
        // write the same greedy generations, one JSON line per dev line, in input order
        Path dev = tmp.resolve("adamix-lora-dev.jsonl");
        List<JsonNode> viaModel =
                generate(
                        dev,
                        "--backbone",
                        tmp.resolve("gpt2-wide").toString(),
                        "--model",
                        lora.out.toString());
        List<JsonNode> viaMerged =
                generate(dev, "--backbone", lora.out.resolve("merged").toString());
        assertEquals(24, viaModel.size());
        for (int i = 0; i < viaModel.size(); i++) {
            JsonNode a = viaModel.get(i), b = viaMerged.get(i);
            assertEquals(i + 1, a.get("line").asInt());
            assertEquals(a.get("generated_ids").toString(), b.get("generated_ids").toString());
            JsonNode ids = a.get("ids");
            assertEquals(256, ids.get(ids.size() - 1).asInt(), "prompt ends in the separator");
            assertTrue(a.get("generated_ids").size() > 0);
        }
    }

    private static int generations = 0;

    /** generate on the dev prompts, greedy, 24 new tokens; the output's lines in order. */
    private static List<JsonNode> generate(Path input, String... modelArgs) throws Exception {
        Path out = tmp.resolve("gen-" + generations++);
        List<String> args = new ArrayList<>(List.of(modelArgs));
        args.addAll(
                List.of(
                        "--input", input.toString(),
                        "--output", out.toString(),
                        "--beams", "1",
                        "--max-new-tokens", "24",
                        "--workers", "2"));
        assertEquals(
                0,
                new picocli.CommandLine(new GenerateCommand())
                        .execute(args.toArray(new String[0])));
        assertTrue(Files.exists(out.resolve("_SUCCESS")));
        List<JsonNode> lines = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        try (var parts = Files.list(out)) {
            for (Path p :
                    parts.filter(p -> p.getFileName().toString().startsWith("part-"))
                            .sorted()
                            .toList())
                for (String l : Files.readAllLines(p)) lines.add(json.readTree(l));
        }
        return lines;
    }

    /**
     * A run stopped after 3 rounds (--max-rounds) and continued with --resume ends with the very
     * weights, bit for bit, of the same run trained without a stop; --resume refuses other
     * settings.
     */
    @Test
    void resumedRunEqualsTheUninterruptedOne() throws Exception {
        Path backbone = TinyGpt2.folder(tmp.resolve("gpt2-resume"), 0.3);
        Path train = pairs(tmp.resolve("resume-train.jsonl"), 48, 1);
        Path dev = pairs(tmp.resolve("resume-dev.jsonl"), 8, 2);
        List<String> base =
                List.of(
                        "--task", "generation",
                        "--backbone", backbone.toString(),
                        "--train", train.toString(),
                        "--dev", dev.toString(),
                        "--method", "adamix-lora",
                        "--rank", "4",
                        "--experts", "2",
                        "--lora-dropout", "0.1",
                        "--workers", "2",
                        "--batch-size", "4",
                        "--local-steps", "2",
                        "--epochs", "2",
                        "--lr", "1e-2",
                        "--max-length", "48");
        Path whole = tmp.resolve("whole"), parts = tmp.resolve("parts");
        assertEquals(0, train(base, "--output", whole.toString()));
        assertEquals(0, train(base, "--output", parts.toString(), "--max-rounds", "3"));
        assertTrue(Files.exists(parts.resolve("checkpoints")));
        assertTrue(!Files.exists(parts.resolve("_SUCCESS")));
        // other settings: refused with one line, exit 2
        assertEquals(2, train(base, "--output", parts.toString(), "--resume", "--seed", "7"));
        TrainCommand resumed = new TrainCommand();
        List<String> args = new ArrayList<>(base);
        args.addAll(List.of("--output", parts.toString(), "--resume"));
        assertEquals(0, new picocli.CommandLine(resumed).execute(args.toArray(new String[0])));
        var r = resumed.generationResult();
        assertEquals(r.totalRounds() - 3, r.roundsRunNow(), "the resumed run trains the rest only");
        var a =
                org.adamix.model.checkpoint.Safetensors.read(
                        whole.resolve("model/trainable.safetensors"));
        var b =
                org.adamix.model.checkpoint.Safetensors.read(
                        parts.resolve("model/trainable.safetensors"));
        assertEquals(a.tensors().keySet(), b.tensors().keySet());
        for (String k : a.tensors().keySet())
            org.junit.jupiter.api.Assertions.assertArrayEquals(
                    a.tensors().get(k).data().asFloat(), b.tensors().get(k).data().asFloat(), k);
    }

    private static int train(List<String> base, String... more) {
        List<String> args = new ArrayList<>(base);
        args.addAll(List.of(more));
        return new picocli.CommandLine(new TrainCommand()).execute(args.toArray(new String[0]));
    }

    record Run(double devLoss, double untrained, LmBatch dev, Path out) {}

    private static Run train(Path backbone, String method, int epochs, String lr) throws Exception {
        Path train = pairs(tmp.resolve(method + "-train.jsonl"), 96, 1);
        Path dev = pairs(tmp.resolve(method + "-dev.jsonl"), 24, 2);
        Path out = tmp.resolve("run-" + backbone.getFileName() + "-" + method);
        TrainCommand cmd = new TrainCommand();
        int code =
                new picocli.CommandLine(cmd)
                        .execute(
                                "--task", "generation",
                                "--backbone", backbone.toString(),
                                "--train", train.toString(),
                                "--dev", dev.toString(),
                                "--method", method,
                                "--rank", "4",
                                "--experts", "4",
                                "--lora-alpha", "32",
                                "--lora-dropout", "0.1",
                                "--consistency-weight", "1",
                                "--workers", "2",
                                "--batch-size", "8",
                                "--local-steps", "3",
                                "--epochs", "" + epochs,
                                "--lr", lr,
                                "--max-length", "48",
                                "--output", out.toString());
        assertEquals(0, code);
        assertTrue(Files.exists(out.resolve("_SUCCESS")));
        // the untrained backbone on the same dev pairs, the same layout
        GenerationBackbone b =
                GenerationBackbone.open(
                        backbone.toString(), new org.apache.hadoop.conf.Configuration());
        LmBatch devBatch = batch(b, dev);
        double before = model(b.backbone()).evaluationLoss(devBatch);
        return new Run(cmd.generationResult().devLoss(), before, devBatch, out);
    }

    private static Gpt2LmModel model(Gpt2Backbone b) {
        return Gpt2LmModel.build(
                b,
                AdaptationConfig.of(Method.NONE, 0),
                OptimizerConfig.adam(1e-3),
                0,
                0,
                DataType.FLOAT);
    }

    private static LmBatch batch(GenerationBackbone b, Path jsonl) throws Exception {
        List<int[]> p = new ArrayList<>(), c = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(jsonl)) {
            JsonNode n = json.readTree(line);
            LmExample e = b.example(n.get("source").asText(), n.get("target").asText(), 48);
            p.add(e.prompt());
            c.add(e.completion());
        }
        return LmBatch.of(p, c);
    }

    /** n pairs "name[X], food[Y]" → "X serves Y food.", drawn with the seed. */
    static Path pairs(Path file, int n, long seed) throws Exception {
        SplittableRandom r = new SplittableRandom(seed);
        StringBuilder s = new StringBuilder();
        ObjectMapper json = new ObjectMapper();
        for (int i = 0; i < n; i++) {
            String name = NAMES[r.nextInt(NAMES.length)], food = FOODS[r.nextInt(FOODS.length)];
            var row = json.createObjectNode();
            row.put("source", "name[" + name + "], food[" + food + "]");
            row.put("target", name + " serves " + food + " food.");
            s.append(json.writeValueAsString(row)).append('\n');
        }
        Files.writeString(file, s.toString());
        return file;
    }
}
