package io.meshspine.sink.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The sink's meters, rendered by Prometheus as {@code spine_sink_rows_total}, {@code _files_total}, {@code _bytes_total},
 * {@code _commits_total}, {@code _dead_lettered_total}, {@code _commit_failures_total} (by reason),
 * {@code spine_sink_commit_seconds}, {@code spine_sink_lag_records} (records in Kafka not yet in the table) and
 * {@code spine_sink_freshness_seconds} (now minus the newest Kafka timestamp committed), {@code spine_sink_offset_gaps}
 * (source partitions parked at an offset gap) and {@code spine_sink_offset_gaps_detected_total} (by condition), all by
 * {@code table}.
 */
public final class SinkMetrics {

    private final MeterRegistry registry;
    private final Map<String, PerTable> tables = new ConcurrentHashMap<>();

    public SinkMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    PerTable table(String table, String contract) {
        return tables.computeIfAbsent(table, t -> new PerTable(registry, t, contract));
    }

    static final class PerTable {
        final Counter rows;
        final Counter files;
        final Counter bytes;
        final Counter commits;
        final Counter deadLettered;
        /** Upsert changes not applied because the batch or the table already held a newer change of the key. */
        final Counter staleChanges;
        /** Deleted keys of an upsert table recorded as tombstones (so older changes of them are ignored). */
        final Counter tombstones;
        final Timer commitTime;
        final AtomicLong lag = new AtomicLong();
        final AtomicLong newestCommittedMillis = new AtomicLong(-1);
        /** Source partitions parked at an offset gap, waiting for an operator's reset-offsets. */
        final AtomicLong offsetGaps = new AtomicLong();
        private final MeterRegistry registry;
        private final String table;
        private final String contract;

        PerTable(MeterRegistry registry, String table, String contract) {
            this.registry = registry;
            this.table = table;
            this.contract = contract;
            rows = Counter.builder("spine.sink.rows").description("Rows committed").tags("table", table, "contract", contract).register(registry);
            files = Counter.builder("spine.sink.files").description("Data files committed").tags("table", table, "contract", contract).register(registry);
            bytes = Counter.builder("spine.sink.bytes").description("Data file bytes committed").tags("table", table, "contract", contract).register(registry);
            commits = Counter.builder("spine.sink.commits").description("Delta commits").tags("table", table, "contract", contract).register(registry);
            deadLettered = Counter.builder("spine.sink.dead.lettered").description("Records sent to the DLQ as SINK failures")
                    .tags("table", table, "contract", contract).register(registry);
            staleChanges = Counter.builder("spine.sink.stale.changes")
                    .description("Upsert changes ignored because the table or the batch held a newer change of the key (by source position)")
                    .tags("table", table, "contract", contract).register(registry);
            tombstones = Counter.builder("spine.sink.tombstones")
                    .description("Deleted keys recorded as tombstones, so a replay of an older change cannot bring them back")
                    .tags("table", table, "contract", contract).register(registry);
            commitTime = Timer.builder("spine.sink.commit").description("Batch write and Delta commit")
                    .serviceLevelObjectives(io.meshspine.core.ops.SpineMetrics.LATENCY_BUCKETS).tags("table", table, "contract", contract)
                    .register(registry);
            Gauge.builder("spine.sink.lag.records", lag, AtomicLong::get).description("Records in Kafka not yet committed to the table")
                    .tags("table", table, "contract", contract).register(registry);
            Gauge.builder("spine.sink.freshness.seconds", newestCommittedMillis,
                            n -> n.get() < 0 ? Double.NaN : Math.max(0, System.currentTimeMillis() - n.get()) / 1000.0)
                    .description("Now minus the newest event time committed").tags("table", table, "contract", contract).register(registry);
            Gauge.builder("spine.sink.offset.gaps", offsetGaps, AtomicLong::get)
                    .description("Source partitions the table cannot continue without skipping or re-reading records (reset-offsets decides)")
                    .tags("table", table, "contract", contract).register(registry);
        }

        void gapDetected(String condition) {
            Counter.builder("spine.sink.offset.gaps.detected").description("Offset gaps found between a table and its topic")
                    .tags("table", table, "contract", contract, "condition", condition).register(registry).increment();
        }

        void committed(long rowCount, long fileCount, long byteCount, long staleChangeCount, long newestTimestamp, Duration took) {
            staleChanges.increment(staleChangeCount);
            rows.increment(rowCount);
            files.increment(fileCount);
            bytes.increment(byteCount);
            commits.increment();
            commitTime.record(took);
            newestCommittedMillis.accumulateAndGet(newestTimestamp, Math::max);
        }

        void failed(String reason) {
            Counter.builder("spine.sink.commit.failures").description("Batches abandoned or retried")
                    .tags("table", table, "contract", contract, "reason", reason).register(registry).increment();
        }
    }
}
