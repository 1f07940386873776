package org.adamix.datasets.tokenize;

/**
 * Which sequence loses tokens when an encoding is longer than the maximum length (Hugging Face
 * semantics).
 */
public enum TruncationStrategy {
    /** Cut the longer of the two sequences first; when both are long, each keeps about half. */
    LONGEST_FIRST,
    /** Cut only the first sequence; fails if that is not enough. */
    ONLY_FIRST,
    /** Cut only the second sequence; fails if that is not enough. */
    ONLY_SECOND
}
