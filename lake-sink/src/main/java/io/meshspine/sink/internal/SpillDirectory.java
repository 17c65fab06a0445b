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
 * <p>
 * A backfill killed with {@code kill -9} cannot delete its directory, and its spills can be gigabytes: the directory's
 * name carries the process id ({@code spine-backfill-<contract>-<pid>-<random>}), and the next backfill on the machine
 * deletes the directories of processes that no longer run before it spills.
 */
final class SpillDirectory implements AutoCloseable {

    static final String PREFIX = "spine-backfill-";
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(SpillDirectory.class);
    private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile(
            java.util.regex.Pattern.quote(PREFIX) + ".*-(\\d+)-\\d+$");

    private final String label;
    private final AtomicInteger files = new AtomicInteger();
    private Path dir;

    SpillDirectory(String label) {
        this.label = label.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    synchronized Path newFile(String kind) {
        try {
            if (dir == null) {
                Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
                deleteLeftBehind(tmp);
                dir = Files.createTempDirectory(PREFIX + label + "-" + ProcessHandle.current().pid() + "-");
            }
            return dir.resolve(kind + "-" + files.incrementAndGet() + ".spill");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make a spill directory under " + System.getProperty("java.io.tmpdir")
                    + " (java.io.tmpdir) for the backfill's dedup identities and upsert changes", e);
        }
    }

    /** Deletes spill directories of backfills whose process is gone (killed before they could clean up). */
    static int deleteLeftBehind(Path tmp) {
        int deleted = 0;
        try (Stream<Path> dirs = Files.list(tmp)) {
            for (Path d : (Iterable<Path>) dirs::iterator) {
                java.util.regex.Matcher m = NAME.matcher(d.getFileName().toString());
                if (!m.matches() || !Files.isDirectory(d)) {
                    continue;
                }
                long pid = Long.parseLong(m.group(1));
                if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    continue;
                }
                deleteTree(d);
                deleted++;
                log.info("backfill spill directory of a process that no longer runs deleted dir={} pid={}", d, pid);
            }
        } catch (IOException | UncheckedIOException e) {
            log.warn("cannot look for spill directories left by killed backfills tmp={} error={}", tmp, e.toString());
        }
        return deleted;
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // left for the OS's tmp cleaning; the result does not depend on it
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
        deleteTree(dir);
        dir = null;
    }
}
