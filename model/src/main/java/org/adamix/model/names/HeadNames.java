package org.adamix.model.names;

import org.adamix.model.BertConfig;
import org.adamix.model.HeadConfig;

/**
 * Where the task head goes in a Hugging Face sequence-classification checkpoint, by model type.
 *
 * <ul>
 *   <li>BERT ({@code BertForSequenceClassification}): encoder under {@code bert.}, pooler as {@code
 *       bert.pooler.dense.*}, classifier as {@code classifier.weight} [C, H] / {@code
 *       classifier.bias} [C].
 *   <li>RoBERTa / XLM-R ({@code RobertaForSequenceClassification}): encoder under {@code roberta.};
 *       the head is dense + tanh + out_proj on the first token, i.e. exactly our pooler +
 *       classifier, so the pooler is {@code classifier.dense.*} and the classifier {@code
 *       classifier.out_proj.*}.
 * </ul>
 *
 * Hugging Face's heads always apply the pooler (dense + tanh); a head trained without one ({@link
 * HeadConfig#pooler()} false) is written under the same names but only this project computes it
 * exactly ({@link #hfExact}).
 */
public record HeadNames(
        String encoderPrefix,
        String poolerWeight,
        String poolerBias,
        String classifierWeight,
        String classifierBias,
        String architecture) {

    public static HeadNames of(BertConfig c) {
        return switch (c.modelType()) {
            case "roberta", "xlm-roberta" ->
                    new HeadNames(
                            "roberta.",
                            "classifier.dense.weight",
                            "classifier.dense.bias",
                            "classifier.out_proj.weight",
                            "classifier.out_proj.bias",
                            c.modelType().equals("roberta")
                                    ? "RobertaForSequenceClassification"
                                    : "XLMRobertaForSequenceClassification");
            default ->
                    new HeadNames(
                            "bert.",
                            "bert.pooler.dense.weight",
                            "bert.pooler.dense.bias",
                            "classifier.weight",
                            "classifier.bias",
                            "BertForSequenceClassification");
        };
    }

    /** Whether transformers' *ForSequenceClassification computes what our head computes. */
    public static boolean hfExact(HeadConfig head) {
        return head.pooler();
    }

    /** The module names PEFT must save (modules_to_save) for this head. */
    public boolean poolerIsInClassifier() {
        return poolerWeight.startsWith("classifier.");
    }
}
