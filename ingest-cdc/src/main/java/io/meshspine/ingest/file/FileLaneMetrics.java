package io.meshspine.ingest.file;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The file lane's meters, by contract, rendered by Prometheus as {@code spine_ingest_file_rows_ingested_total},
 * {@code spine_ingest_file_rows_dead_lettered_total}, {@code spine_ingest_file_files_done_total},
 * {@code spine_ingest_file_files_skipped_total} and {@code spine_ingest_file_files_quarantined_total}. Rows are
 * counted when their chunk commits, so the counts match what the topics hold.
 */
public final class FileLaneMetrics {

    private final MeterRegistry registry;
    private final Map<List<String>, Counter> counters = new ConcurrentHashMap<>();

    public FileLaneMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    MeterRegistry registry() {
        return registry;
    }

    void rowsCommitted(String contract, long rows, long deadLetters) {
        counter("spine.ingest.file.rows.ingested", contract, "Rows written to the raw topic").increment(rows);
        counter("spine.ingest.file.rows.dead.lettered", contract, "Rows written to the DLQ (DESERIALIZATION)").increment(deadLetters);
    }

    void fileDone(String contract) {
        counter("spine.ingest.file.files.done", contract, "Files ingested and archived").increment();
    }

    void fileSkipped(String contract) {
        counter("spine.ingest.file.files.skipped", contract, "Files skipped: the same content was ingested before").increment();
    }

    void fileQuarantined(String contract) {
        counter("spine.ingest.file.files.quarantined", contract, "Files moved to quarantine/").increment();
    }

    private Counter counter(String name, String contract, String description) {
        String tag = contract == null ? "unknown" : contract;
        return counters.computeIfAbsent(List.of(name, tag),
                k -> Counter.builder(name).description(description).tag("contract", tag).register(registry));
    }
}
