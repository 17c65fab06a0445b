package io.meshspine.sink;

import io.meshspine.sink.internal.SinkLoop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;

/** A running lake sink. Closing it commits what is buffered (or abandons it safely) and leaves the consumer group. */
public final class SinkService implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SinkService.class);

    private final SinkLoop loop;
    private final Thread thread;
    private final List<String> tables;
    private final AutoCloseable resources;

    SinkService(SinkLoop loop, List<String> tables, AutoCloseable resources) {
        this.loop = loop;
        this.tables = List.copyOf(tables);
        this.resources = resources;
        this.thread = new Thread(loop, "spine-lake-sink");
        this.thread.start();
    }

    public SinkState state() {
        return loop.state();
    }

    /** The names of the tables this sink writes ({@code bronze/...}, {@code silver/...}). */
    public List<String> tables() {
        return tables;
    }

    @Override
    public void close() {
        loop.stop();
        try {
            if (!loop.awaitStopped(Duration.ofMinutes(2))) {
                log.warn("sink did not stop within 2 minutes; its uncommitted batch will be re-read by the next owner");
                thread.interrupt();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            resources.close();
        } catch (Exception e) {
            log.warn("closing sink resources failed: {}", e.toString());
        }
    }
}
