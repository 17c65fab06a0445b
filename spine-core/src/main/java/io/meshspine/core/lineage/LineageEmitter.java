package io.meshspine.core.lineage;

import io.meshspine.core.ops.SpineMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Emits a service's run events through the configured transport, off the data path: {@link #emit} only queues (a
 * bounded queue; full, the event is counted and logged, the data goes on), one daemon thread sends, retrying each event
 * {@code lineage.max-attempts} times with back-off. Emission never stops data: a failed event is counted in
 * {@code spine_lineage_events_failed_total{reason}} and logged with its job and run id, never its content.
 *
 * <p>Services open runs with {@link #begin}: one call per run boundary, the returned {@link LineageRun} closes it.
 */
public final class LineageEmitter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LineageEmitter.class);
    private static final int QUEUE = 10_000;

    private final LineageConfig config;
    private final LineageTransport transport;
    private final BlockingQueue<RunEvent> queue;
    private final Thread sender;
    private final Counter emittedCounter;
    private final Counter sendFailures;
    private final Counter queueFull;
    private final AtomicLong emitted = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    /** Events taken from the queue but not yet sent or given up: {@link #flush} waits for them too. */
    private final AtomicLong inFlight = new AtomicLong();
    private volatile boolean closed;

    private LineageEmitter(LineageConfig config, LineageTransport transport, MeterRegistry meters) {
        this.config = config;
        this.transport = transport;
        MeterRegistry registry = meters == null ? Metrics.globalRegistry : meters;
        String kind = config.transport().configValue();
        this.emittedCounter = Counter.builder(SpineMetrics.name("lineage", "events.emitted")).tag("transport", kind).register(registry);
        this.sendFailures = Counter.builder(SpineMetrics.name("lineage", "events.failed")).tag("transport", kind).tag("reason", "send").register(registry);
        this.queueFull = Counter.builder(SpineMetrics.name("lineage", "events.failed")).tag("transport", kind).tag("reason", "queue-full").register(registry);
        if (transport == null) {
            this.queue = null;
            this.sender = null;
        } else {
            this.queue = new ArrayBlockingQueue<>(QUEUE);
            this.sender = new Thread(this::sendLoop, "spine-lineage-" + kind);
            sender.setDaemon(true);
            sender.start();
        }
    }

    /** An emitter for {@code config}; {@code meters} null: Micrometer's global registry. */
    public static LineageEmitter start(LineageConfig config, MeterRegistry meters) {
        LineageTransport transport = switch (config.transport()) {
            case FILE -> new FileTransport(config.file());
            case KAFKA -> new KafkaTransport(config.kafka());
            case HTTP -> new HttpTransport(config.url());
            case NONE -> null;
        };
        if (config.runHistory() && config.transport() != TransportKind.KAFKA) {
            // The run history is made from spine.lineage: the topic gets every event beside the chosen transport.
            transport = transport == null ? new KafkaTransport(config.kafka()) : new TeeTransport(transport, new KafkaTransport(config.kafka()));
        }
        if (transport != null) {
            log.info("lineage on transport={} target={} runHistory={}", config.transport().configValue(), switch (config.transport()) {
                case FILE -> config.file().toAbsolutePath();
                case KAFKA -> io.meshspine.core.topic.Topics.LINEAGE;
                case HTTP -> config.url().getHost() + ":" + config.url().getPort() + config.url().getPath();
                case NONE -> "";
            }, config.runHistory() ? io.meshspine.core.topic.Topics.LINEAGE : "-");
        }
        return new LineageEmitter(config, transport, meters);
    }

    /** Lineage off: runs still get ids (the sink's commits carry them), nothing is sent. */
    public static LineageEmitter none() {
        return new LineageEmitter(LineageConfig.NONE, null, new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    }

    public boolean enabled() {
        return transport != null;
    }

    public LineageConfig config() {
        return config;
    }

    /** Opens a run and emits its START (at {@code startedAt}, or now when null). */
    public LineageRun begin(String job, RunKind kind, OffsetDateTime startedAt, List<InputDataset> inputs, List<OutputDataset> outputs) {
        return begin(job, kind, startedAt, null, inputs, outputs);
    }

    /** A run that is part of {@code parent} (the gate's interval of its lifetime run): every event names the parent. */
    public LineageRun begin(String job, RunKind kind, OffsetDateTime startedAt, LineageRun parent, List<InputDataset> inputs,
                            List<OutputDataset> outputs) {
        Map<String, Facet> runFacets = parent == null ? Map.of()
                : Map.of(Facets.PARENT, Facets.parent(parent.runId(), config.namespace(), parent.job()));
        LineageRun run = new LineageRun(this, UUID.randomUUID(), job, kind, startedAt == null ? now() : startedAt, runFacets);
        if (enabled()) {
            run.emitStart(inputs, outputs);
        }
        return run;
    }

    /** The event's job in this emitter's namespace, with its job type. */
    Job job(String name, RunKind kind) {
        return new Job(config.namespace(), name, Map.of(Facets.JOB_TYPE, Facets.jobType(kind.streaming(), kind.name())));
    }

    static OffsetDateTime now() {
        return OffsetDateTime.now(ZoneOffset.UTC);
    }

    /** Queues the event; never blocks, never throws. */
    public void emit(RunEvent event) {
        if (transport == null) {
            return;
        }
        if (closed || !queue.offer(event)) {
            queueFull.increment();
            failed.incrementAndGet();
            log.warn("lineage event not queued job={} runId={} eventType={} reason={}", event.job().name(), event.run().runId(),
                    event.eventType(), closed ? "emitter closed" : "queue full (" + QUEUE + ")");
        }
    }

    private void sendLoop() {
        while (!closed || !queue.isEmpty()) {
            RunEvent event;
            try {
                event = queue.poll(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                if (closed) {
                    event = queue.poll();
                    if (event == null) {
                        return;
                    }
                } else {
                    continue;
                }
            }
            if (event == null) {
                continue;
            }
            inFlight.incrementAndGet();
            try {
                send(event);
            } finally {
                inFlight.decrementAndGet();
            }
        }
    }

    private void send(RunEvent event) {
        String json;
        try {
            json = LineageJson.write(event);
        } catch (RuntimeException e) {
            sendFailures.increment();
            failed.incrementAndGet();
            log.error("lineage event cannot be serialised job={} runId={}", event.job().name(), event.run().runId(), e);
            return;
        }
        long backoff = 100;
        for (int attempt = 1; ; attempt++) {
            try {
                transport.send(event, json);
                emitted.incrementAndGet();
                emittedCounter.increment();
                return;
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                if (attempt >= config.maxAttempts() || Thread.currentThread().isInterrupted() && closed) {
                    sendFailures.increment();
                    failed.incrementAndGet();
                    log.warn("lineage event failed job={} runId={} eventType={} transport={} attempts={} error={}", event.job().name(),
                            event.run().runId(), event.eventType(), config.transport().configValue(), attempt, e.toString());
                    return;
                }
                log.debug("lineage send failed, retrying job={} attempt={} error={}", event.job().name(), attempt, e.toString());
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
                backoff = Math.min(2_000, backoff * 2);
            }
        }
    }

    /** Waits until every queued event was sent or given up; false when {@code timeout} passed first. */
    public boolean flush(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (transport != null && (!queue.isEmpty() || inFlight.get() > 0)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /** Events sent so far. */
    public long emitted() {
        return emitted.get();
    }

    /** Events given up (not sent after every attempt, or not queued). */
    public long failed() {
        return failed.get();
    }

    /** Sends what is queued (up to 5 s), then closes the transport. */
    @Override
    public void close() {
        if (transport == null || closed) {
            return;
        }
        if (!flush(Duration.ofSeconds(5))) {
            log.warn("lineage closing with events unsent queued={}", queue.size());
        }
        closed = true;
        sender.interrupt();
        try {
            sender.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        transport.close();
    }
}
