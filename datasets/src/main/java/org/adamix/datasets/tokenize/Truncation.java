package org.adamix.datasets.tokenize;

/**
 * Shortens the sequences so they fit a length budget, with the reference's rules for each strategy.
 */
final class Truncation {
    private Truncation() {}

    /**
     * @param budget tokens allowed for a and b together (maximum length minus the special tokens)
     * @param b null for a single sequence
     */
    static void apply(IntList a, IntList b, int budget, TruncationStrategy strategy) {
        int n1 = a.size();
        int n2 = b == null ? 0 : b.size();
        if (n1 + n2 <= budget) {
            return;
        }
        int excess = n1 + n2 - budget;
        if (b == null) {
            if (strategy == TruncationStrategy.ONLY_SECOND) {
                throw new IllegalArgumentException(
                        "only_second truncation needs a second sequence");
            }
            a.truncate(n1 - excess);
            return;
        }
        switch (strategy) {
            case ONLY_FIRST -> cutOnly(a, excess, "first");
            case ONLY_SECOND -> cutOnly(b, excess, "second");
            case LONGEST_FIRST -> {
                // Shorter sequence keeps all it can up to half the budget; the longer one takes the
                // rest.
                int shorter = Math.min(n1, n2);
                int longer = shorter > budget ? shorter : Math.max(shorter, budget - shorter);
                if (shorter + longer > budget) {
                    shorter = budget / 2;
                    longer = shorter + budget % 2;
                }
                int keepA = n1 > n2 ? longer : shorter;
                int keepB = n1 > n2 ? shorter : longer;
                a.truncate(keepA);
                b.truncate(keepB);
            }
            default -> throw new IllegalStateException(strategy.toString());
        }
    }

    private static void cutOnly(IntList seq, int excess, String which) {
        if (seq.size() <= excess) {
            throw new IllegalArgumentException(
                    "Truncation error: the "
                            + which
                            + " sequence is too short to respect the maximum length");
        }
        seq.truncate(seq.size() - excess);
    }
}
