/**
 * Scores of generated texts against several references: {@link
 * org.adamix.datasets.generation.metrics.CorpusBleu} (NLTK's corpus_bleu defaults) and {@link
 * org.adamix.datasets.generation.metrics.RougeL} (coco-caption's, as the E2E challenge scorer uses
 * it), on {@link org.adamix.datasets.generation.metrics.MetricTokens}. Both agree with NLTK and the
 * coco formula within 1e-9 (to the last bit, as measured) on the fixture that
 * experiments/nlg_metrics_reference.py writes.
 *
 * <pre>{@code
 * List<References> refs = References.bySource(GenerationReader.readAll(GenerationReader.e2eCsv(), conf, devCsv));
 * List<String> outputs = ...; // one generated text per refs.get(i).source()
 * List<List<String>> targets = refs.stream().map(References::targets).toList();
 * double bleu = CorpusBleu.of(outputs, targets).score();
 * double rougeL = RougeL.corpus(outputs, targets);
 * }</pre>
 */
package org.adamix.datasets.generation.metrics;
