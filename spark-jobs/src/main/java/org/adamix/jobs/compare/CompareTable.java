package org.adamix.jobs.compare;

import java.util.Locale;

/**
 * compare.md: the paper-style table (one row per method at its chosen lr), then the dev metric of
 * every lr.
 */
public final class CompareTable {
    private CompareTable() {}

    public static String markdown(Summary s, String title) {
        StringBuilder b = new StringBuilder();
        String m = s.metric();
        b.append("# ").append(title).append("\n\n");
        b.append(
                        "Mean ± sample standard deviation over seeds. The best epoch of each run and the learning rate of each method ")
                .append("are chosen on dev (")
                .append(m)
                .append("); test is reported at that learning rate only. ")
                .append("Scores are of the merged model.\n\n");
        b.append("| method | best lr | dev ").append(m);
        if (s.hasTest()) b.append(" | test ").append(s.testMetric());
        b.append(" | trainable params | merged params | seeds |\n|---|---:|---:|");
        if (s.hasTest()) b.append("---:|");
        b.append("---:|---:|---:|\n");
        for (Summary.MethodRow r : s.methods()) {
            b.append("| ")
                    .append(r.method())
                    .append(" | ")
                    .append(RunConfig.lrText(r.bestLr()))
                    .append(" | ")
                    .append(stat(r.dev()));
            if (s.hasTest()) b.append(" | ").append(stat(r.test()));
            b.append(
                    String.format(
                            Locale.ROOT,
                            " | %,d | %,d | %d |%n",
                            r.trainableParameters(),
                            r.mergedParameters(),
                            r.dev().n()));
        }
        b.append("\n## dev ")
                .append(m)
                .append(" per learning rate\n\n| method | lr | dev ")
                .append(m)
                .append(" |\n|---|---:|---:|\n");
        for (Summary.LrRow r : s.lrs())
            b.append("| ")
                    .append(r.method())
                    .append(" | ")
                    .append(RunConfig.lrText(r.lr()))
                    .append(" | ")
                    .append(stat(r.dev()))
                    .append(" |\n");
        return b.toString();
    }

    /** "0.8123 ± 0.0101"; n/a for a NaN (a diverged run, or the std of one seed). */
    static String stat(Summary.Stat s) {
        return num(s.mean()) + " ± " + num(s.std());
    }

    private static String num(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4f", v) : "n/a";
    }
}
