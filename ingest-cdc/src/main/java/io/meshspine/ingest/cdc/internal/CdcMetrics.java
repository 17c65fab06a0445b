package io.meshspine.ingest.cdc.internal;

import io.meshspine.core.ops.Label;
import io.meshspine.core.ops.SpineMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The lane's meters: {@code spine_cdc_changes_captured_total} (by contract and op),
 * {@code spine_cdc_changes_dead_lettered_total} (by contract),
 * {@code spine_cdc_change_to_topic_latency_seconds} (source commit to the raw topic's ack, streamed changes only), and
 * {@code spine_cdc_capture_stopped} (by contract and reason): 1 while that table's capture is stopped for that
 * reason, the signal an operator alerts on, and {@code spine_cdc_engine_restarts_total} (by source): engines started
 * again after a transient fault.
 */
public final class CdcMetrics {

    /** Why a capture stopped, as the {@code reason} label spells it. */
    public enum StopReason {
        INCOMPATIBLE_SCHEMA("incompatible_schema"),
        REGISTRY_REJECTED("registry_rejected"),
        /** A value the log did not carry (an unchanged TOAST column) that the old row does not hold either. */
        UNAVAILABLE_VALUE("unavailable_value"),
        /** The source or the table does not meet what capture needs (checked at start; the message names the fix). */
        PREREQUISITE("prerequisite"),
        FAILED("failed");

        private final String label;

        StopReason(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    private final MeterRegistry registry;
    private final Map<String, Counter> captured = new ConcurrentHashMap<>();
    private final Map<String, Timer> latency = new ConcurrentHashMap<>();
    private final Map<String, Counter> deadLettered = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> stopped = new ConcurrentHashMap<>();
    private final Map<String, Counter> restarts = new ConcurrentHashMap<>();

    public CdcMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void captured(String contract, String op, int count) {
        captured.computeIfAbsent(contract + "\0" + op, k -> Counter.builder(SpineMetrics.name("cdc", "changes.captured"))
                .description("Row changes written to the raw topic").tag(Label.CONTRACT.key(), contract).tag("op", op)
                .register(registry)).increment(count);
    }

    void deadLettered(String contract) {
        deadLettered.computeIfAbsent(contract, c -> Counter.builder(SpineMetrics.name("cdc", "changes.dead.lettered"))
                .description("Changes the broker refused for themselves (too large, invalid), written to the DLQ instead")
                .tag(Label.CONTRACT.key(), c).register(registry)).increment();
    }

    /** An engine of {@code source} ({@code <connector>:<database>}) is started again after a transient fault. */
    void restarted(String source) {
        restarts.computeIfAbsent(source, s -> Counter.builder(SpineMetrics.name("cdc", "engine.restarts"))
                .description("Capture engines started again after a transient fault (broker or database unreachable)")
                .tag(SOURCE, s).register(registry)).increment();
    }

    void latency(String contract, long commitMillis, long ackMillis) {
        latency.computeIfAbsent(contract, c -> Timer.builder(SpineMetrics.name("cdc", "change.to.topic.latency"))
                .description("Source commit to raw-topic acknowledgement").serviceLevelObjectives(SpineMetrics.LATENCY_BUCKETS)
                .tag(Label.CONTRACT.key(), c).register(registry)).record(Duration.ofMillis(Math.max(0, ackMillis - commitMillis)));
    }

    /**
     * A gauge of one source database's capture ({@code source} = {@code <connector>:<database>}), read from
     * {@code value} at each scrape; NaN while unknown.
     */
    void sourceGauge(String what, String description, String source, java.util.function.DoubleSupplier value) {
        Gauge.builder(SpineMetrics.name("cdc", what), value::getAsDouble).strongReference(true).description(description)
                .tag(SOURCE, source).register(registry);
    }

    /** The label naming one source database's capture. */
    public static final String SOURCE = "source";

    void stopped(String contract, StopReason reason, boolean isStopped) {
        stopped.computeIfAbsent(contract + "\0" + reason.label(), k -> {
            AtomicInteger value = new AtomicInteger();
            Gauge.builder(SpineMetrics.name("cdc", "capture.stopped"), value, AtomicInteger::get).strongReference(true)
                    .description("1 while the contract's capture is stopped for this reason")
                    .tag(Label.CONTRACT.key(), contract).tag("reason", reason.label()).register(registry);
            return value;
        }).set(isStopped ? 1 : 0);
    }
}
