package org.adamix.jobs;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/** {@code AdaMix.main} in a new JVM with this JVM's classpath and module flags. */
final class ChildJvm {
    private ChildJvm() {}

    static List<String> command(String... args) {
        List<String> cmd =
                new ArrayList<>(
                        List.of(
                                ProcessHandle.current().info().command().orElse("java"),
                                "-Xmx2g",
                                "-cp",
                                System.getProperty("java.class.path")));
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments())
            if (a.startsWith("--add-")
                    || a.startsWith("-Djdk.reflect")
                    || a.startsWith("-XX:+IgnoreUnrecognized")) cmd.add(a);
        cmd.add(AdaMix.class.getName());
        cmd.addAll(List.of(args));
        return cmd;
    }
}
