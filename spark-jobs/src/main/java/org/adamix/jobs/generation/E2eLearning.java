package org.adamix.jobs.generation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.adamix.datasets.generation.GenerationExample;
import org.adamix.datasets.generation.GenerationReader;
import org.adamix.datasets.generation.References;
import org.adamix.datasets.generation.metrics.CorpusBleu;
import org.adamix.datasets.generation.metrics.RougeL;
import org.adamix.datasets.tokenize.Tokenizer;
import org.adamix.datasets.tokenize.Tokenizers;
import org.adamix.model.AdaptationConfig;
import org.adamix.model.Method;
import org.adamix.model.OptimizerConfig;
import org.adamix.model.checkpoint.Gpt2Backbone;
import org.adamix.model.checkpoint.Gpt2FolderReader;
import org.adamix.model.checkpoint.Gpt2FolderWriter;
import org.adamix.model.decoder.BeamOptions;
import org.adamix.model.decoder.BeamSearch;
import org.adamix.model.decoder.Gpt2Config;
import org.adamix.model.decoder.Gpt2LmModel;
import org.adamix.model.decoder.LmBatch;
import org.apache.hadoop.conf.Configuration;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The NLG learning experiment (no pre-trained GPT-2 is reachable here, only its tokenizer): a small
 * GPT-2-shaped model is pre-trained from scratch ({@code full}) as a plain language model of
 * restaurant descriptions, on the references of half of the E2E development set's meaning
 * representations (MRs); then frozen and adapted to the data-to-text task (MR → description) with
 * {@code lora}, {@code adamix-lora} and {@code full} on the other half, the same steps each,
 * several seeds; the adapted (for AdaMix: merged) models generate for every MR of the E2E test set
 * with the paper's beam search, scored with corpus BLEU and ROUGE-L against all references of the
 * MR.
 *
 * <p>Texts are GPT-2 byte-level BPE; the model's vocabulary is the GPT-2 tokens that occur in the
 * development set (plus one unknown token), mapped back to GPT-2 ids for decoding: a 50,257-row
 * output layer would cost a small model most of its time. The layout is the authors': MR tokens,
 * &lt;|endoftext|&gt; as separator, " " + description, &lt;|endoftext|&gt;; the loss on the
 * description.
 *
 * <pre>
 * java … E2eLearning E2E_DIR GPT2_TOKENIZER_DIR OUT_DIR [key=value …]
 * </pre>
 */
public final class E2eLearning {
    private static final int GPT2_EOS = 50256;
    private final Map<String, String> opts;
    private final ObjectNode report;
    private final ObjectMapper json = new ObjectMapper();

    private E2eLearning(Map<String, String> opts) {
        this.opts = opts;
        this.report = json.createObjectNode();
    }

    private int i(String key, int dflt) {
        return Integer.parseInt(opts.getOrDefault(key, String.valueOf(dflt)));
    }

    private double d(String key, double dflt) {
        return Double.parseDouble(opts.getOrDefault(key, String.valueOf(dflt)));
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new LinkedHashMap<>();
        for (int k = 3; k < args.length; k++) {
            String[] kv = args[k].split("=", 2);
            opts.put(kv[0], kv[1]);
        }
        new E2eLearning(opts).run(Path.of(args[0]), Path.of(args[1]), Path.of(args[2]));
    }

    /** Compact ids: GPT-2 id → model id and back; model id 0 is the unknown token. */
    private final Map<Integer, Integer> toModel = new HashMap<>();

    private final List<Integer> toGpt2 = new ArrayList<>(List.of(-1));

    private int[] compact(int[] gpt2, boolean grow) {
        int[] out = new int[gpt2.length];
        for (int k = 0; k < gpt2.length; k++) {
            Integer id = toModel.get(gpt2[k]);
            if (id == null && grow) {
                id = toGpt2.size();
                toModel.put(gpt2[k], id);
                toGpt2.add(gpt2[k]);
            }
            out[k] = id == null ? 0 : id;
        }
        return out;
    }

    private record Pair(int[] prompt, int[] completion) {}

    private void run(Path e2e, Path tokenizerDir, Path out) throws Exception {
        long t0 = System.nanoTime();
        Files.createDirectories(out);
        Configuration conf = new Configuration();
        List<GenerationExample> dev =
                GenerationReader.readAll(
                        GenerationReader.e2eCsv(),
                        conf,
                        e2e.resolve("devel-fixed.no-ol.csv").toString());
        List<GenerationExample> test =
                GenerationReader.readAll(
                        GenerationReader.e2eCsv(), conf, e2e.resolve("test-fixed.csv").toString());
        Tokenizer gpt2 = Tokenizers.load(tokenizerDir);

        // split the development set by MR: half pre-training (descriptions only), the rest
        // adaptation (MR → description); no MR is in both
        List<String> mrs = new ArrayList<>(new TreeMap<>(groupBySource(dev)).keySet());
        Collections.shuffle(mrs, new Random(0));
        int cut = mrs.size() / 2;
        java.util.Set<String> pretrainMrs = new java.util.HashSet<>(mrs.subList(0, cut));
        compact(new int[] {GPT2_EOS}, true);
        List<Pair> pretrain = new ArrayList<>(), adapt = new ArrayList<>();
        int sep = compact(new int[] {GPT2_EOS}, false)[0];
        for (GenerationExample e : dev) {
            int[] src = compact(gpt2.encode(e.source()).ids(), true);
            int[] tgt = compact(append(gpt2.encode(" " + e.target()).ids(), GPT2_EOS), true);
            if (pretrainMrs.contains(e.source())) pretrain.add(new Pair(new int[] {sep}, tgt));
            else adapt.add(new Pair(append(src, sep), tgt));
        }
        int eos = sep; // <|endoftext|> ends descriptions too
        Gpt2Config config =
                new Gpt2Config(
                        toGpt2.size(),
                        i("positions", 160),
                        i("hidden", 128),
                        i("layers", 4),
                        i("heads", 4),
                        4 * i("hidden", 128),
                        1e-5);
        report.put("vocabulary", toGpt2.size());
        report.put("pretrainMrs", cut);
        report.put("adaptMrs", mrs.size() - cut);
        report.put("pretrainRows", pretrain.size());
        report.put("adaptRows", adapt.size());
        report.putPOJO("config", config);
        report.putPOJO("options", opts);
        log(
                "vocabulary %d, pre-train rows %d (%d MRs), adaptation rows %d (%d MRs)",
                toGpt2.size(), pretrain.size(), cut, adapt.size(), mrs.size() - cut);

        // test: one prompt per MR, all its references
        List<References> testRefs = References.bySource(test);
        int limit = i("testMrs", testRefs.size());
        testRefs = testRefs.subList(0, Math.min(limit, testRefs.size()));
        int[][] prompts = new int[testRefs.size()][];
        for (int k = 0; k < prompts.length; k++)
            prompts[k] = append(compact(gpt2.encode(testRefs.get(k).source()).ids(), false), sep);

        // 1. pre-train from scratch (or reuse a pre-trained backbone: backbone=DIR)
        int batch = i("batch", 16);
        Gpt2LmModel pre;
        if (opts.containsKey("backbone")) {
            Gpt2Backbone loaded = Gpt2FolderReader.read(Path.of(opts.get("backbone")));
            if (!loaded.config().equals(config))
                throw new IllegalArgumentException(
                        "backbone="
                                + opts.get("backbone")
                                + " is "
                                + loaded.config()
                                + ", not "
                                + config);
            pre =
                    Gpt2LmModel.build(
                            loaded,
                            AdaptationConfig.of(Method.NONE, 0),
                            OptimizerConfig.adam(1e-3),
                            0.1,
                            0,
                            DataType.FLOAT);
            log("pre-trained backbone read from %s", opts.get("backbone"));
        } else {
            Gpt2Backbone scratch = org.adamix.model.bench.DecoderBench.randomBackbone(config, 0);
            OptimizerConfig preOpt =
                    new OptimizerConfig(
                            d("pretrainLr", 1e-3),
                            0.01,
                            0.06,
                            i("pretrainSteps", 1500),
                            0.9,
                            0.999,
                            1e-8,
                            1.0);
            pre =
                    Gpt2LmModel.build(
                            scratch,
                            AdaptationConfig.of(Method.FULL, 0),
                            preOpt,
                            0.1,
                            0,
                            DataType.FLOAT);
            train(pre, pretrain, preOpt.totalSteps(), batch, 0, "pre-train");
            Gpt2FolderWriter.write(pre.trainedBackbone(), out.resolve("pretrained"));
        }
        Gpt2Backbone backbone = pre.trainedBackbone();
        ArrayNode runs = report.putArray("runs");
        if (!opts.containsKey("backbone"))
            runs.add(evaluate("backbone (no adaptation)", 0, pre, testRefs, prompts, gpt2, eos, 0));

        // 2. adapt, each method the same steps, several seeds
        int steps = i("adaptSteps", 600), seeds = i("seeds", 3);
        // a variant is a method with its own settings: "adamix-lora:consistencyWeight=1:experts=2"
        for (String variant : opts.getOrDefault("methods", "lora,adamix-lora,full").split(",")) {
            String[] parts = variant.split(":");
            String m = parts[0];
            Map<String, String> own = new LinkedHashMap<>(opts);
            for (int k = 1; k < parts.length; k++) {
                String[] kv = parts[k].split("=", 2);
                own.put(kv[0], kv[1]);
            }
            Method method = Method.of(m);
            AdaptationConfig a =
                    AdaptationConfig.of(method, Integer.parseInt(own.getOrDefault("rank", "4")))
                            .withExperts(Integer.parseInt(own.getOrDefault("experts", "8")))
                            .withConsistencyWeight(
                                    Double.parseDouble(
                                            own.getOrDefault("consistencyWeight", "100")))
                            .withLoraAlpha(Double.parseDouble(own.getOrDefault("loraAlpha", "32")))
                            .withLoraDropout(method.lora() ? 0.1 : 0);
            double lr =
                    Double.parseDouble(
                            own.getOrDefault("lr." + m, method == Method.FULL ? "3e-4" : "2e-3"));
            for (int s = 1; s <= seeds; s++) {
                OptimizerConfig opt =
                        new OptimizerConfig(lr, 0.01, 0.06, steps, 0.9, 0.999, 1e-8, 1.0);
                Gpt2LmModel model = Gpt2LmModel.build(backbone, a, opt, 0.1, s, DataType.FLOAT);
                long start = System.nanoTime();
                double last =
                        train(model, adapt, steps, i("adaptBatch", 8), s, variant + " seed " + s);
                double seconds = (System.nanoTime() - start) / 1e9;
                Gpt2LmModel served = method.mixture() ? model.merge(true) : model;
                ObjectNode run = evaluate(variant, s, served, testRefs, prompts, gpt2, eos, lr);
                run.putPOJO("adaptation", a);
                run.put("trainSeconds", seconds);
                run.put("finalTrainLoss", last);
                run.put("trainable", model.trainableParams().length());
                run.put(
                        "served",
                        method == Method.FULL
                                ? served.trainableParams().length()
                                : method.lora()
                                        ? model.merge(false).trainableParams().length()
                                        : 0);
                runs.add(run);
                json.writerWithDefaultPrettyPrinter()
                        .writeValue(out.resolve("e2e-learning.json").toFile(), report);
            }
        }
        report.put("seconds", (System.nanoTime() - t0) / 1e9);
        json.writerWithDefaultPrettyPrinter()
                .writeValue(out.resolve("e2e-learning.json").toFile(), report);
        log("done in %.0f s", (System.nanoTime() - t0) / 1e9);
    }

    /** Steps of random batches (a fixed shuffle per seed, epoch after epoch); the last loss. */
    private double train(
            Gpt2LmModel model, List<Pair> data, long steps, int batch, long seed, String what) {
        List<Pair> order = new ArrayList<>(data);
        Random rnd = new Random(seed);
        Collections.shuffle(order, rnd);
        int at = 0;
        double avg = 0;
        long start = System.nanoTime();
        for (long s = 0; s < steps; s++) {
            List<int[]> p = new ArrayList<>(), c = new ArrayList<>();
            for (int k = 0; k < batch; k++) {
                if (at == order.size()) {
                    Collections.shuffle(order, rnd);
                    at = 0;
                }
                p.add(order.get(at).prompt());
                c.add(order.get(at).completion());
                at++;
            }
            double loss = model.fit(LmBatch.of(p, c));
            avg = s == 0 ? loss : 0.98 * avg + 0.02 * loss;
            if ((s + 1) % 100 == 0 || s + 1 == steps)
                log(
                        "%s step %d/%d loss %.3f (%.2f s/step)",
                        what, s + 1, steps, avg, (System.nanoTime() - start) / 1e9 / (s + 1));
        }
        return avg;
    }

    private ObjectNode evaluate(
            String method,
            int seed,
            Gpt2LmModel model,
            List<References> refs,
            int[][] prompts,
            Tokenizer gpt2,
            int eos,
            double lr) {
        long start = System.nanoTime();
        BeamSearch beam =
                new BeamSearch(model.decoder(), BeamOptions.adamixNlg(i("maxNewTokens", 64), eos));
        List<String> hyps = new ArrayList<>();
        List<List<String>> references = new ArrayList<>();
        int chunk = i("beamBatch", 8);
        for (int k = 0; k < prompts.length; k += chunk) {
            int[][] part =
                    java.util.Arrays.copyOfRange(prompts, k, Math.min(prompts.length, k + chunk));
            int[][] generated = beam.generate(part);
            for (int[] g : generated) hyps.add(decode(g, gpt2, eos));
        }
        for (References r : refs) references.add(r.targets());
        ObjectNode run = json.createObjectNode();
        run.put("method", method);
        run.put("seed", seed);
        run.put("lr", lr);
        run.put("bleu", CorpusBleu.of(hyps, references).score());
        run.put("rougeL", RougeL.corpus(hyps, references));
        run.put("generateSeconds", (System.nanoTime() - start) / 1e9);
        ArrayNode examples = run.putArray("examples");
        for (int k = 0; k < Math.min(3, hyps.size()); k++)
            examples.add(refs.get(k).source() + " → " + hyps.get(k));
        log(
                "%s seed %d: BLEU %.4f ROUGE-L %.4f (%s)",
                method,
                seed,
                run.get("bleu").asDouble(),
                run.get("rougeL").asDouble(),
                hyps.isEmpty() ? "" : hyps.get(0));
        return run;
    }

    private String decode(int[] ids, Tokenizer gpt2, int eos) {
        List<Integer> g = new ArrayList<>();
        for (int id : ids) {
            if (id == eos) break;
            if (id > 0) g.add(toGpt2.get(id));
        }
        return gpt2.decode(g.stream().mapToInt(Integer::intValue).toArray()).trim();
    }

    private static Map<String, List<String>> groupBySource(List<GenerationExample> examples) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        for (GenerationExample e : examples)
            m.computeIfAbsent(e.source(), k -> new ArrayList<>()).add(e.target());
        return m;
    }

    private static int[] append(int[] a, int last) {
        int[] out = java.util.Arrays.copyOf(a, a.length + 1);
        out[a.length] = last;
        return out;
    }

    private static void log(String format, Object... args) {
        System.out.printf("[e2e] " + format + "%n", args);
        System.out.flush();
    }
}
