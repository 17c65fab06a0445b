package io.meshspine.sink.internal;

import io.meshspine.core.lineage.Datasets;
import io.meshspine.core.lineage.Facets;
import io.meshspine.core.lineage.InputDataset;
import io.meshspine.core.lineage.LineageEmitter;
import io.meshspine.core.lineage.LineageRun;
import io.meshspine.core.lineage.OutputDataset;
import io.meshspine.core.lineage.RunKind;
import io.meshspine.core.lineage.RunSummary;
import org.apache.kafka.common.TopicPartition;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One table's lineage: a run per Delta commit, from the topic partitions and offsets of the batch to the table and the
 * version the commit made, with rows, files and bytes. The run id goes into the commit's {@code commitInfo}
 * ({@link #COMMIT_INFO_RUN_ID} among the operation parameters), so a Silver row's version leads to its run.
 */
final class CommitLineage {

    /** The operation parameter of each sink commit that holds the run id (JSON-encoded, as Delta stores them). */
    static final String COMMIT_INFO_RUN_ID = "spine.runId";

    private final LineageEmitter emitter;
    private final TableSpec spec;
    private final String bootstrapServers;
    private final String job;
    /** The table with its schema and ownership facets: the same for every commit, built once. */
    private final OutputDataset table;

    CommitLineage(LineageEmitter emitter, TableSpec spec, String bootstrapServers) {
        this.emitter = emitter;
        this.spec = spec;
        this.bootstrapServers = bootstrapServers;
        this.job = "lake-sink." + spec.name().replace('/', '.');
        this.table = Datasets.storageOutput(spec.path())
                .withFacet(Facets.SCHEMA, Facets.schema(spec.rowSchema()))
                .withFacet(Facets.OWNERSHIP, Facets.ownership(spec.contract().team()));
    }

    /** Opens the commit's run: START at the batch's first record. */
    LineageRun begin(MicroBatch b) {
        OffsetDateTime started = OffsetDateTime.ofInstant(Instant.ofEpochMilli(b.firstMillis), ZoneOffset.UTC);
        return emitter.begin(job, RunKind.COMMIT, started, List.of(input(b)), List.of(table())).serviceLevels(spec.contract().slos());
    }

    void committed(LineageRun run, MicroBatch b, long version, long rowsOut, long rowsWritten, long files, long bytes, long deadLettered) {
        if (!emitter.enabled()) {
            return;
        }
        OutputDataset out = table()
                .withFacet(Facets.VERSION, Facets.version(Long.toString(version)))
                .withOutputFacet(Facets.OUTPUT_STATISTICS, Facets.outputStatistics(rowsWritten, bytes, files));
        run.complete(new RunSummary(RunKind.COMMIT, b.records, rowsOut, deadLettered), List.of(input(b)), List.of(out));
    }

    void failed(LineageRun run, MicroBatch b, String reason) {
        run.fail(reason, new RunSummary(RunKind.COMMIT, b.records, 0, 0), List.of(input(b)), List.of(table()));
    }

    void superseded(LineageRun run, MicroBatch b) {
        run.abort("superseded: another writer committed these offsets first", new RunSummary(RunKind.COMMIT, b.records, 0, 0),
                List.of(input(b)), List.of(table()));
    }

    private InputDataset input(MicroBatch b) {
        Map<Integer, long[]> ranges = new LinkedHashMap<>();
        for (Map.Entry<TopicPartition, Long> e : b.firstOffsets.entrySet()) {
            ranges.put(e.getKey().partition(), new long[]{e.getValue(), b.lastOffsets.getOrDefault(e.getKey(), e.getValue())});
        }
        return Datasets.kafkaInput(bootstrapServers, spec.topic()).withInputFacet(Facets.KAFKA_OFFSETS, Facets.kafkaOffsets(ranges));
    }

    private OutputDataset table() {
        return table;
    }
}
