package org.adamix.datasets.tokenize;

import java.util.Arrays;

/** A growable int array, to collect ids without boxing. */
final class IntList {
    private int[] a;
    private int size;

    IntList(int capacity) {
        a = new int[Math.max(capacity, 4)];
    }

    void add(int v) {
        if (size == a.length) {
            a = Arrays.copyOf(a, size * 2);
        }
        a[size++] = v;
    }

    void addAll(int[] vs) {
        if (size + vs.length > a.length) {
            a = Arrays.copyOf(a, Math.max(size * 2, size + vs.length));
        }
        System.arraycopy(vs, 0, a, size, vs.length);
        size += vs.length;
    }

    int get(int i) {
        return a[i];
    }

    int size() {
        return size;
    }

    /**
     * Keeps the first {@code n} values (truncation from the right, the reference's default
     * direction).
     */
    void truncate(int n) {
        if (n < size) {
            size = n;
        }
    }

    int[] toArray() {
        return Arrays.copyOf(a, size);
    }
}
