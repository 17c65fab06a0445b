package io.meshspine.gate;

import io.meshspine.core.deadletter.DeadLetter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The gate's meters, rendered by Prometheus as {@code spine_gate_records_in_total}, {@code _passed_total},
 * {@code _dead_lettered_total} (by contract and failure_type, one per record), {@code _deduplicated_total} (by contract
 * and reason: the first copy passed or was dead-lettered),
 * {@code _warned_total} (by rule), {@code spine_gate_rule_violations_total} (error rules of dead-lettered records, by
 * contract and rule), {@code spine_gate_end_to_end_latency_seconds} and
 * {@code spine_gate_quality_score} (valid share over a sliding window, per contract).
 *
 * <p>Counts are taken as records are processed: after a crash, records reprocessed from the last EOS commit are
 * counted again here, while the topics hold them exactly once. The topics are the truth; these are for dashboards.
 */
public final class GateMetrics {

    private final MeterRegistry registry;
    private final Duration qualityWindow;
    private final Map<MeterKey, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, SlidingRatio> quality = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Counter>> in = new ConcurrentHashMap<>();
    private final Map<String, Counter> passed = new ConcurrentHashMap<>();
    private final Timer latency;

    MeterRegistry registry() {
        return registry;
    }

    public GateMetrics(MeterRegistry registry, Duration qualityWindow) {
        this.registry = registry;
        this.qualityWindow = qualityWindow;
        this.latency = Timer.builder("spine.gate.end.to.end.latency")
                .description("Raw record timestamp to product write")
                .serviceLevelObjectives(io.meshspine.core.ops.SpineMetrics.LATENCY_BUCKETS)
                .register(registry);
    }

    /** For tests and tools that do not serve metrics. */
    public static GateMetrics discarding() {
        return new GateMetrics(new SimpleMeterRegistry(), Duration.ofMinutes(5));
    }

    void recordIn(String contract, String topic) {
        // Per record: looked up by plain strings (their hashes are cached), not by a key built each time.
        in.computeIfAbsent(contract, c -> new ConcurrentHashMap<>())
                .computeIfAbsent(topic, t -> counter("spine.gate.records.in", "contract", contract, "topic", t)).increment();
    }

    void passed(String contract, long recordTimestamp, java.util.List<String> warnings, long nowMillis) {
        passed.computeIfAbsent(contract, c -> counter("spine.gate.records.passed", "contract", c)).increment();
        warnings.forEach(rule -> counter("spine.gate.records.warned", "contract", contract, "rule", rule).increment());
        latency.record(Duration.ofMillis(Math.max(0, nowMillis - recordTimestamp)));
        ratio(contract).record(true, nowMillis);
    }

    void deadLettered(DeadLetter d, long nowMillis) {
        String contract = d.contract() == null ? "unknown" : d.contract();
        // One count per record (so sums add up), and one per broken rule in a meter of its own.
        counter("spine.gate.records.dead.lettered", "contract", contract, "failure_type", d.failureType().name()).increment();
        d.ruleIds().forEach(rule -> counter("spine.gate.rule.violations", "contract", contract, "rule", rule).increment());
        ratio(contract).record(false, nowMillis);
    }

    /** A dropped re-delivery, by what its first copy became ({@code reason} passed | dead_lettered). */
    void deduplicated(String contract, GateDecision.Duplicate.Reason reason) {
        counter("spine.gate.records.deduplicated", "contract", contract, "reason", reason.label()).increment();
    }

    /** A transient infrastructure fault a record waited out (nothing dead-lettered for it). */
    void transientFault(String component) {
        counter("spine.gate.transient.faults", "component", component).increment();
    }

    /** A task's dedup identities were read back from its store: how many and how long it took. */
    void identitiesRestored(String task, int identities, Duration took) {
        counter("spine.gate.dedup.identities.restored", "task", task).increment(identities);
        Timer.builder("spine.gate.dedup.restore").description("Reading a task's dedup identities back from its store")
                .register(registry).record(took);
    }

    /**
     * The gate stopped on a permanent fault or a bug: 1 under the fault's class, so an alert names it. Stays 1 until the
     * process exits.
     */
    void stopped(FaultClass fault) {
        Gauge.builder("spine.gate.stopped", () -> 1).description("1 when the gate stopped processing on a permanent fault or a bug")
                .tag("fault", fault.name().toLowerCase(java.util.Locale.ROOT)).register(registry);
    }

    /** The valid share of a contract's records over the quality window; NaN before the first record. */
    public double qualityScore(String contract, long nowMillis) {
        SlidingRatio r = quality.get(contract);
        return r == null ? Double.NaN : r.ratio(nowMillis);
    }

    private SlidingRatio ratio(String contract) {
        return quality.computeIfAbsent(contract, c -> {
            SlidingRatio r = new SlidingRatio(qualityWindow);
            Gauge.builder("spine.gate.quality.score", r, x -> x.ratio(System.currentTimeMillis()))
                    .description("Share of valid records over the quality window").tag("contract", c).register(registry);
            return r;
        });
    }

    private Counter counter(String name, String... tags) {
        return counters.computeIfAbsent(new MeterKey(name, java.util.Arrays.asList(tags)), k -> Counter.builder(name).tags(tags).register(registry));
    }

    /** Looked up per record: a record key hashes its parts without building a string. */
    private record MeterKey(String name, java.util.List<String> tags) {
    }

    /** Valid and total counts in one-second buckets over a window: cheap to record, exact enough for a score. */
    static final class SlidingRatio {
        private final int buckets;
        private final long[] second;
        private final long[] valid;
        private final long[] total;

        SlidingRatio(Duration window) {
            this.buckets = (int) Math.max(1, window.toSeconds());
            this.second = new long[buckets];
            this.valid = new long[buckets];
            this.total = new long[buckets];
        }

        synchronized void record(boolean ok, long nowMillis) {
            long s = nowMillis / 1000;
            int i = (int) (s % buckets);
            if (second[i] != s) {
                second[i] = s;
                valid[i] = 0;
                total[i] = 0;
            }
            total[i]++;
            if (ok) {
                valid[i]++;
            }
        }

        synchronized double ratio(long nowMillis) {
            long s = nowMillis / 1000;
            long v = 0;
            long t = 0;
            for (int i = 0; i < buckets; i++) {
                if (s - second[i] < buckets) {
                    v += valid[i];
                    t += total[i];
                }
            }
            return t == 0 ? Double.NaN : (double) v / t;
        }
    }
}
