package io.meshspine.core.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.function.ToDoubleFunction;
import java.util.regex.Pattern;

/**
 * One service's metrics: a Prometheus registry tagged {@code service=<name>}, with JVM metrics bound, and
 * helpers that name meters so they render as {@code spine_<module>_<what>_<unit>}.
 *
 * <h2>Naming meters</h2>
 * Micrometer names are dot-separated and the Prometheus registry renders them: dots become underscores,
 * counters get {@code _total}, timers get {@code _seconds} (plus {@code _count}, {@code _sum}, {@code _max},
 * {@code _bucket}). So a module names the meter <em>without</em> those suffixes and puts any other unit into
 * {@code what}:
 * <table>
 *   <caption>meter name → rendered name</caption>
 *   <tr><td>{@code counter("gate", "records.in")}</td><td>{@code spine_gate_records_in_total}</td></tr>
 *   <tr><td>{@code counter("sink", "written.bytes")}</td><td>{@code spine_sink_written_bytes_total}</td></tr>
 *   <tr><td>{@code timer("sink", "commit")}</td><td>{@code spine_sink_commit_seconds_bucket|_count|_sum}, {@code ..._seconds_max}</td></tr>
 *   <tr><td>{@code gauge("sink", "freshness.seconds", ...)}</td><td>{@code spine_sink_freshness_seconds}</td></tr>
 *   <tr><td>{@code gauge("gate", "lag.records", ...)}</td><td>{@code spine_gate_lag_records}</td></tr>
 * </table>
 * A gauge has no suffix of its own, so its {@code what} must end in its unit. Labels come from {@link Label}.
 * Modules that need a description or other options build the meter themselves from {@link #name(String, String)}.
 * Meters sharing a name must share label keys: the Prometheus registry refuses (and logs) a second tag-key set.
 */
public final class SpineMetrics implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SpineMetrics.class);

    /**
     * Bucket bounds for latency timers. A fixed, short list (rather than Micrometer's ~60 percentile-histogram
     * buckets) keeps series per label set low and gives alert rules stable {@code le} values to refer to.
     * Histograms instead of client-side percentiles because percentiles cannot be aggregated across instances
     * (and the Prometheus registry drops them anyway when a histogram is also published).
     */
    public static final Duration[] LATENCY_BUCKETS = {
            Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
            Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
            Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10),
            Duration.ofSeconds(30), Duration.ofSeconds(60)};

    private static final Pattern MODULE = Pattern.compile("[a-z][a-z0-9]*");
    private static final Pattern WHAT = Pattern.compile("[a-z][a-z0-9]*([._][a-z0-9]+)*");

    private final String service;
    private final PrometheusMeterRegistry registry;
    private final JvmGcMetrics gcMetrics;
    private final Deque<AutoCloseable> bindings = new ArrayDeque<>();

    public SpineMetrics(String service) {
        if (service == null || service.isBlank()) {
            throw new IllegalArgumentException("service name must not be blank");
        }
        this.service = service;
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags("service", service);
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        // The GC binder listens for GC notifications until closed.
        this.gcMetrics = new JvmGcMetrics();
        gcMetrics.bindTo(registry);
    }

    /** The Micrometer meter name for {@code spine_<module>_<what>}: {@code spine.<module>.<what>}. */
    public static String name(String module, String what) {
        if (module == null || !MODULE.matcher(module).matches()) {
            throw new IllegalArgumentException("module must be one lower-case word like 'gate', got '" + module + "'");
        }
        if (what == null || !WHAT.matcher(what).matches()) {
            throw new IllegalArgumentException(
                    "what must be lower-case words joined by '.' or '_' like 'records.in', got '" + what + "'");
        }
        return "spine." + module + "." + what;
    }

    public String service() {
        return service;
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition (format 0.0.4) of every meter. */
    public String scrape() {
        return registry.scrape();
    }

    /** A counter rendered as {@code spine_<module>_<what>_total}. */
    public Counter counter(String module, String what, Tag... labels) {
        return Counter.builder(name(module, what)).tags(Arrays.asList(labels)).register(registry);
    }

    /** A latency timer rendered as {@code spine_<module>_<what>_seconds} with {@link #LATENCY_BUCKETS} buckets. */
    public Timer timer(String module, String what, Tag... labels) {
        return Timer.builder(name(module, what))
                .serviceLevelObjectives(LATENCY_BUCKETS)
                .tags(Arrays.asList(labels))
                .register(registry);
    }

    /**
     * A gauge rendered as {@code spine_<module>_<what>}; {@code what} ends in the unit. The registry holds
     * {@code source} strongly: Micrometer's default weak reference lets a gauge on a short-lived object
     * silently turn into NaN once it is collected.
     */
    public <T> Gauge gauge(String module, String what, T source, ToDoubleFunction<T> value, Tag... labels) {
        return Gauge.builder(name(module, what), source, value)
                .strongReference(true)
                .tags(Arrays.asList(labels))
                .register(registry);
    }

    /** Binds a producer's client metrics ({@code kafka_producer_*}); unbound on {@link #close()} or by closing the result. */
    public KafkaClientMetrics bindKafkaProducer(Producer<?, ?> producer) {
        return track(new KafkaClientMetrics(producer));
    }

    /** Binds a consumer's client metrics ({@code kafka_consumer_*}, including records lag). */
    public KafkaClientMetrics bindKafkaConsumer(Consumer<?, ?> consumer) {
        return track(new KafkaClientMetrics(consumer));
    }

    <B extends MeterBinder & AutoCloseable> B track(B binding) {
        binding.bindTo(registry);
        synchronized (bindings) {
            bindings.push(binding);
        }
        return binding;
    }

    @Override
    public void close() {
        synchronized (bindings) {
            while (!bindings.isEmpty()) {
                closeQuietly(bindings.pop());
            }
        }
        gcMetrics.close();
        registry.close();
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            // Shutting down: a binder that fails to close must not stop the others from closing.
            LOG.warn("closing metrics binding {} failed: {}", closeable.getClass().getSimpleName(), e.toString());
        }
    }
}
