package org.adamix.jobs.generation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.adamix.jobs.cli.EvaluateCommand;
import org.adamix.jobs.cli.GenerateCommand;
import org.adamix.jobs.cli.TrainCommand;
import org.adamix.model.AdaptationConfig;
import org.adamix.model.Method;
import org.adamix.model.checkpoint.Safetensors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Bad input to train --task generation, generate and evaluate --task generation stops on the driver
 * before Spark starts: exit code 2, one error line naming the file (and line or tensor) or the
 * option, nothing written under --output.
 */
class GenerationBadInputTest {
    @TempDir static Path tmp;
    static Path gpt2, noEos, bert, train, dev, badLine, noTarget, model, modelMissingTensor;

    @BeforeAll
    static void fixtures() throws Exception {
        gpt2 = TinyGpt2.folder(tmp.resolve("gpt2"), 0.02);
        noEos = TinyGpt2.folder(tmp.resolve("gpt2-no-eos"), 0.02);
        String vocab = Files.readString(noEos.resolve("vocab.json"));
        Files.writeString(
                noEos.resolve("vocab.json"),
                vocab.replace("\"<|endoftext|>\":256", "\"<|end|>\":256"));
        bert = tmp.resolve("bert");
        Files.createDirectories(bert);
        Files.writeString(
                bert.resolve("config.json"), "{\"model_type\":\"bert\",\"hidden_size\":8}");
        train = GenerationTrainTest.pairs(tmp.resolve("train.jsonl"), 8, 1);
        dev = GenerationTrainTest.pairs(tmp.resolve("dev.jsonl"), 4, 2);
        List<String> lines = new ArrayList<>(Files.readAllLines(dev));
        lines.set(2, "{\"source\": \"name[Aromi]\", \"target\": ");
        badLine = Files.write(tmp.resolve("bad-line.jsonl"), lines);
        noTarget =
                Files.write(
                        tmp.resolve("no-target.jsonl"), List.of("{\"source\": \"name[Aromi]\"}"));
        // a trained model folder, written by the job's own writer code path
        model = tmp.resolve("model");
        Files.createDirectories(model);
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        var m =
                new GenerationSpec(
                                AdaptationConfig.of(Method.LORA, 4),
                                org.adamix.model.OptimizerConfig.adam(1e-3),
                                0.1,
                                0)
                        .build(org.adamix.model.checkpoint.Gpt2FolderReader.read(gpt2));
        for (var p : m.tensors().specs())
            if (p.trainable()) tensors.put(p.key(), m.tensors().value(p.key()));
        Safetensors.write(model.resolve("trainable.safetensors"), tensors, Map.of());
        String json =
                "{\"task\":\"generation\",\"adaptation\":"
                        + new com.fasterxml.jackson.databind.ObjectMapper()
                                .writeValueAsString(AdaptationConfig.of(Method.LORA, 4))
                        + ",\"label_smoothing\":0.1,\"seed\":0}";
        Files.writeString(model.resolve("generation.json"), json);
        modelMissingTensor = tmp.resolve("model-missing");
        Files.createDirectories(modelMissingTensor);
        Files.writeString(modelMissingTensor.resolve("generation.json"), json);
        tensors.remove(tensors.keySet().iterator().next());
        Safetensors.write(modelMissingTensor.resolve("trainable.safetensors"), tensors, Map.of());
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                // train --task generation
                train("backbone does not exist", "--backbone", "/nonexistent/gpt2"),
                train("only 'gpt2' is supported", "--backbone", "BERT"),
                train("<|endoftext|>", "--backbone", "NOEOS"),
                train("--label-smoothing", "--label-smoothing", "1.5"),
                train("holds no generation run", "--resume", "--output", "NONEMPTY"),
                train("is not empty", "--output", "NONEMPTY"),
                train("bad-line.jsonl at line 3", "--dev", "BADLINE"),
                train("no-target.jsonl at line 1", "--train", "NOTARGET"),
                train("unknown method", "--method", "prefix-tuning"),
                train("a language model has no head", "--method", "none"),
                train("--share", "--share", "sideways"),
                train("--lora-dropout", "--method", "lora", "--lora-dropout", "1.5"),
                // generate
                generate("backbone does not exist", "--backbone", "/nonexistent/gpt2"),
                generate("--beams", "--beams", "0"),
                generate("--max-new-tokens", "--max-new-tokens", "0"),
                generate("n_positions", "--max-new-tokens", "80"),
                generate("--no-repeat-ngram", "--no-repeat-ngram", "-1"),
                generate("--batch-size", "--batch-size", "0"),
                generate("generation.json", "--model", "/nonexistent/run"),
                generate("trainable.safetensors", "--model", "MISSING"),
                generate("no rows", "--input", "EMPTY"),
                // evaluate --task generation
                evaluate("bad-line.jsonl at line 3", "--data", "BADLINE"),
                evaluate("no-target.jsonl at line 1", "--data", "NOTARGET"),
                evaluate("--beams", "--beams", "0"),
                evaluate("trainable.safetensors", "--model", "MISSING"));
    }

    static Arguments train(String expected, String... args) {
        return Arguments.of("train", expected, args);
    }

    static Arguments generate(String expected, String... args) {
        return Arguments.of("generate", expected, args);
    }

    static Arguments evaluate(String expected, String... args) {
        return Arguments.of("evaluate", expected, args);
    }

    @ParameterizedTest(name = "{0} {2}: {1}")
    @MethodSource("cases")
    void stopsWithOneLineAndExitCode2(String command, String expected, String[] overrides)
            throws Exception {
        Path out = tmp.resolve("out-" + System.nanoTime());
        Map<String, String> args = new LinkedHashMap<>();
        List<String> flags = new ArrayList<>();
        switch (command) {
            case "train" -> {
                args.put("--task", "generation");
                args.put("--backbone", gpt2.toString());
                args.put("--train", train.toString());
                args.put("--dev", dev.toString());
                args.put("--method", "adamix-lora");
                args.put("--max-length", "48");
                args.put("--master", "local[1]");
                args.put("--output", out.toString());
            }
            case "generate" -> {
                args.put("--backbone", gpt2.toString());
                args.put("--model", model.toString());
                args.put("--input", dev.toString());
                args.put("--max-new-tokens", "8");
                args.put("--master", "local[1]");
                args.put("--output", out.toString());
            }
            default -> {
                args.put("--task", "generation");
                args.put("--backbone", gpt2.toString());
                args.put("--model", model.toString());
                args.put("--data", dev.toString());
                args.put("--max-new-tokens", "8");
                args.put("--master", "local[1]");
                args.put("--output", out.resolve("eval.json").toString());
            }
        }
        for (int i = 0; i < overrides.length; i++) {
            String key = overrides[i];
            if (i + 1 < overrides.length && !overrides[i + 1].startsWith("--")) {
                args.put(key, resolve(overrides[++i]));
            } else flags.add(key);
        }
        List<String> argv = new ArrayList<>();
        args.forEach(
                (k, v) -> {
                    argv.add(k);
                    argv.add(v);
                });
        argv.addAll(flags);
        Object cmd =
                switch (command) {
                    case "train" -> new TrainCommand();
                    case "generate" -> new GenerateCommand();
                    default -> new EvaluateCommand();
                };
        PrintStream oldErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try {
            System.setErr(new PrintStream(err, true));
            code = new picocli.CommandLine(cmd).execute(argv.toArray(new String[0]));
        } finally {
            System.setErr(oldErr);
        }
        String text = err.toString();
        List<String> errors = text.lines().filter(l -> l.contains("error")).toList();
        assertEquals(2, code, text);
        assertEquals(1, errors.size(), text);
        assertTrue(errors.get(0).contains(expected), "'" + expected + "' in: " + errors.get(0));
        assertFalse(Files.exists(out), "nothing written under " + out);
    }

    private static String resolve(String v) throws Exception {
        return switch (v) {
            case "BERT" -> bert.toString();
            case "NOEOS" -> noEos.toString();
            case "BADLINE" -> badLine.toString();
            case "NOTARGET" -> noTarget.toString();
            case "MISSING" -> modelMissingTensor.toString();
            case "EMPTY" -> Files.writeString(tmp.resolve("empty.jsonl"), "").toString();
            case "NONEMPTY" -> {
                Path d = Files.createDirectories(tmp.resolve("non-empty-" + System.nanoTime()));
                Files.writeString(d.resolve("notes.txt"), "someone else's");
                yield d.toString();
            }
            default -> v;
        };
    }
}
