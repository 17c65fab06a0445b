package io.meshspine.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line of a JVM a test starts (a gate, a sink or a lane to kill, a demo to signal): this JVM's java and
 * class path, and its own temp directory. lz4, snappy and RocksDB unpack their native libraries into the temp
 * directory and delete them only on a clean exit; a child the test kills would leave them in /tmp. In a directory the
 * test owns (a {@code @TempDir}), they go with it.
 */
public final class ChildJvm {

    private ChildJvm() {
    }

    /**
     * @param tmpDir     the child's {@code java.io.tmpdir}, created if missing; the caller deletes it
     * @param jvmOptions heap and other JVM options, before the class path
     */
    public static List<String> command(Path tmpDir, List<String> jvmOptions, String mainClass, String... args) {
        try {
            Files.createDirectories(tmpDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the child JVM's temp directory " + tmpDir, e);
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-Djava.io.tmpdir=" + tmpDir);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(List.of(args));
        return command;
    }
}
