package org.adamix.model;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * An enum constant's command-line spelling: its name in lower case with '-' for '_' (SYMMETRIC_CE →
 * symmetric-ce).
 */
public final class CliEnum {
    private CliEnum() {}

    public static String name(Enum<?> e) {
        return e.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    /**
     * The constant spelled {@code value}; IllegalArgumentException naming the choices otherwise.
     */
    public static <E extends Enum<E>> E of(Class<E> type, String value, String what) {
        for (E e : type.getEnumConstants()) if (name(e).equals(value)) return e;
        throw new IllegalArgumentException(
                "unknown "
                        + what
                        + " '"
                        + value
                        + "': one of "
                        + Arrays.stream(type.getEnumConstants())
                                .map(CliEnum::name)
                                .collect(Collectors.joining(", ")));
    }
}
