package org.adamix.datasets.tokenize;

/** First stage of the pipeline: rewrites the raw text (clean-up, case, accents). */
@FunctionalInterface
interface Normalizer {
    String normalize(String text);

    Normalizer IDENTITY = text -> text;
}
