package org.adamix.model.ops;

/** A thread's row-sized float[] workspaces, grown on demand. */
final class Rows {
    private static final ThreadLocal<float[][]> ROWS =
            ThreadLocal.withInitial(() -> new float[4][0]);

    private Rows() {}

    static float[] get(int slot, int n) {
        float[][] rows = ROWS.get();
        if (rows[slot].length < n) rows[slot] = new float[n];
        return rows[slot];
    }
}
