package io.meshspine.sink.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A backfill's scratch space for what does not fit its memory bound (dedup identities, upsert changes): a directory
 * under {@code java.io.tmpdir} made on the first spill and deleted with everything in it when the backfill ends. Local
 * disk, not the lake: spills are read back at random (identities) or streamed once (upsert runs), and are worthless
 * after the run; a resumed run rebuilds them from the manifest.
 */
final class SpillDirectory implements AutoCloseable {

    private final String label;
    private final AtomicInteger files = new AtomicInteger();
    private Path dir;

    SpillDirectory(String label) {
        this.label = label.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    synchronized Path newFile(String kind) {
        try {
            if (dir == null) {
                dir = Files.createTempDirectory("spine-backfill-" + label + "-");
            }
            return dir.resolve(kind + "-" + files.incrementAndGet() + ".spill");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make a spill directory under " + System.getProperty("java.io.tmpdir")
                    + " (java.io.tmpdir) for the backfill's dedup identities and upsert changes", e);
        }
    }

    /** Files written so far. */
    int files() {
        return files.get();
    }

    @Override
    public synchronized void close() {
        if (dir == null) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // left for the OS's tmp cleaning; the result does not depend on it
        }
        dir = null;
    }
}
