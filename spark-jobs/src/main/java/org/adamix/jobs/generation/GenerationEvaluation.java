package org.adamix.jobs.generation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.adamix.datasets.DatasetSpec;
import org.adamix.datasets.generation.GenerationReader;
import org.adamix.datasets.generation.References;
import org.adamix.datasets.generation.metrics.CorpusBleu;
import org.adamix.datasets.generation.metrics.RougeL;
import org.adamix.jobs.cli.GenerationOptions;
import org.adamix.jobs.spark.FsPaths;
import org.adamix.jobs.spark.JobInputException;
import org.adamix.jobs.spark.Sessions;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * {@code evaluate --task generation}: the references grouped by source (E2E has several per MR),
 * one generation per source on the executors, then corpus BLEU (multi-reference, 4-gram, brevity
 * penalty: NLTK's corpus_bleu) and ROUGE-L (the E2E scorer's, β = 1.2) on the driver. Writes the
 * scores as JSON and the generations as JSON Lines next to it.
 */
public final class GenerationEvaluation {
    private GenerationEvaluation() {}

    public record Outcome(Map<String, Double> scores, Path json) {}

    /** The references grouped by source, read on the driver (before Spark starts). */
    public static List<References> references(
            DatasetSpec spec, List<String> data, Configuration conf) {
        List<References> refs =
                References.bySource(
                        GenerationReader.readAll(spec, conf, data.toArray(new String[0])));
        if (refs.isEmpty()) throw new JobInputException("--data: no rows in " + data);
        return refs;
    }

    public static Outcome run(
            Sessions s,
            GenerationBackbone bb,
            GenerationModelFolder trained,
            GenerationOptions options,
            int batchSize,
            Integer workers,
            List<References> refs,
            List<String> data,
            Path output,
            String runId,
            Configuration conf)
            throws IOException {
        List<Prompt> prompts = new ArrayList<>();
        for (int i = 0; i < refs.size(); i++)
            prompts.add(new Prompt(i + 1, null, refs.get(i).source()));
        List<Generated> generated =
                GenerationRun.of(s, bb, trained, options, batchSize, workers)
                        .generate(prompts)
                        .collect();
        List<String> hyps = new ArrayList<>();
        List<List<String>> references = new ArrayList<>();
        for (int i = 0; i < refs.size(); i++) {
            hyps.add(generated.get(i).text().trim());
            references.add(refs.get(i).targets());
        }
        Map<String, Double> scores = new LinkedHashMap<>();
        scores.put("bleu", CorpusBleu.of(hyps, references).score());
        scores.put("rouge_l", RougeL.corpus(hyps, references));
        scores.put("sources", (double) refs.size());
        ObjectMapper json = new ObjectMapper();
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < refs.size(); i++) {
            ObjectNode n = json.createObjectNode();
            n.put("source", refs.get(i).source());
            n.put("generated", hyps.get(i));
            n.putPOJO("references", refs.get(i).targets());
            lines.append(n).append('\n');
        }
        ObjectNode n = json.createObjectNode();
        n.put("model", trained == null ? bb.key() : trained.folder());
        n.put("method", trained == null ? "none" : trained.spec().adaptation().method().id);
        n.put("task", "generation");
        n.putPOJO("data", data);
        n.putPOJO("decoding", options.beamOptions(bb.endOfText()));
        n.putPOJO("scores", scores);
        n.put("run_id", runId);
        Path generations = new Path(output.getParent(), output.getName() + ".generations.jsonl");
        FsPaths.writeAtomically(generations, lines.toString(), conf);
        FsPaths.writeAtomically(output, n.toPrettyString() + "\n", conf);
        return new Outcome(scores, output);
    }
}
