/**
 * Data for text generation (data-to-text, as the E2E NLG Challenge): source → target pairs read
 * with {@link org.adamix.datasets.generation.GenerationReader} (JSON Lines with {@code
 * source}/{@code target} or other fields, the E2E CSV with {@code mr}/{@code ref}, or any {@link
 * org.adamix.datasets.DatasetSpec} whose text column is the source and pair column the target), and
 * the references of each source grouped with {@link
 * org.adamix.datasets.generation.References#bySource}. Metrics are in {@link
 * org.adamix.datasets.generation.metrics}.
 */
package org.adamix.datasets.generation;
