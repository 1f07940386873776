package org.adamix.jobs.compare;

import java.io.Serializable;
import java.math.BigDecimal;

/** One cell of the grid: a method trained with one seed at one peak learning rate. */
public record RunConfig(String method, long seed, double lr) implements Serializable {

    /**
     * The result file's name under runs/, the same for the same (method, lr, seed) on every rerun.
     */
    public String name() {
        return method + "-lr" + lrText(lr) + "-seed" + seed;
    }

    /** 5.0E-4 → 0.0005: plain decimals in file names and tables. */
    public static String lrText(double lr) {
        return BigDecimal.valueOf(lr).stripTrailingZeros().toPlainString();
    }
}
