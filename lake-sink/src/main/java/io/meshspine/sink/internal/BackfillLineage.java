package io.meshspine.sink.internal;

import io.meshspine.core.lineage.Datasets;
import io.meshspine.core.lineage.Facets;
import io.meshspine.core.lineage.InputDataset;
import io.meshspine.core.lineage.LineageEmitter;
import io.meshspine.core.lineage.LineageRun;
import io.meshspine.core.lineage.OutputDataset;
import io.meshspine.core.lineage.RunKind;
import io.meshspine.core.lineage.RunSummary;

import java.util.List;
import java.util.Map;

/**
 * A backfill's lineage: one run (kind {@link RunKind#BACKFILL}) from the Bronze table at the version read to the Silver
 * table at the version the final commit made, with rows read, Silver rows, dead letters, files and bytes. START when
 * the snapshot is fixed; COMPLETE after the commit; FAIL with the reason when the run stops. A run cut off by a crash
 * ends without an event (its rerun opens a run of its own); a dry run writes nothing and opens no run. The run id goes
 * into the commit's {@code commitInfo} as the sink's commits carry theirs ({@link CommitLineage#COMMIT_INFO_RUN_ID}).
 */
final class BackfillLineage {

    private final LineageEmitter emitter;
    private final TableSpec spec;
    private final String job;
    private final String bronzePath;
    private final OutputDataset table;

    BackfillLineage(LineageEmitter emitter, TableSpec spec, String bronzePath) {
        this.emitter = emitter;
        this.spec = spec;
        this.bronzePath = bronzePath;
        this.job = "lake-backfill." + spec.name().replace('/', '.');
        this.table = Datasets.storageOutput(spec.path())
                .withFacet(Facets.SCHEMA, Facets.schema(spec.rowSchema()))
                .withFacet(Facets.OWNERSHIP, Facets.ownership(spec.contract().team()));
    }

    String job() {
        return job;
    }

    LineageRun begin(long bronzeVersion) {
        return emitter.begin(job, RunKind.BACKFILL, null, List.of(bronze(bronzeVersion)), List.of(table));
    }

    void completed(LineageRun run, long bronzeVersion, long rowsRead, long silverRows, long deadLettered, long version, long files, long bytes) {
        OutputDataset out = table.withFacet(Facets.VERSION, Facets.version(Long.toString(version)))
                .withOutputFacet(Facets.OUTPUT_STATISTICS, Facets.outputStatistics(silverRows, bytes, files));
        run.complete(new RunSummary(RunKind.BACKFILL, rowsRead, silverRows, deadLettered), List.of(bronze(bronzeVersion)), List.of(out));
    }

    void failed(LineageRun run, long bronzeVersion, long rowsRead, String reason) {
        run.fail(reason, new RunSummary(RunKind.BACKFILL, rowsRead, 0, 0), List.of(bronze(bronzeVersion)), List.of(table));
    }

    private InputDataset bronze(long version) {
        String[] name = Datasets.storage(bronzePath);
        return new InputDataset(name[0], name[1], Map.of(Facets.VERSION, Facets.version(Long.toString(version))), Map.of());
    }
}
