package io.meshspine.sink;

import com.fasterxml.jackson.databind.JsonNode;
import io.delta.standalone.DeltaLog;
import io.delta.standalone.Operation;
import io.delta.standalone.OptimisticTransaction;
import io.delta.standalone.Snapshot;
import io.delta.standalone.actions.Action;
import io.delta.standalone.actions.AddFile;
import io.delta.standalone.actions.Metadata;
import io.delta.standalone.actions.SetTransaction;
import io.meshspine.sink.internal.DeltaSchemas;
import io.meshspine.sink.internal.Hadoop;
import io.meshspine.sink.internal.ParquetFiles;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The run history, {@code <lake>/ops/pipeline_runs}: one row per ended run (COMPLETE, FAIL or ABORT event), made from
 * that event alone (its {@code meshspine_run} facet carries the kind, start and counts), so the writer keeps no state
 * between events. Rows are appended in Delta commits that carry, per {@code spine.lineage} partition, a txn action with
 * the last offset written: the same exactly-once scheme as the sink's tables, readable by Spark and Delta Kernel.
 */
public final class RunHistory {

    /** The table's name under the lake root. */
    public static final String TABLE = "ops/pipeline_runs";
    static final String APP_ID_PREFIX = "meshspine-runs:";

    public static final Schema SCHEMA = SchemaBuilder.record("PipelineRun").namespace("io.meshspine.ops").fields()
            .requiredString("run_id")
            .requiredString("job")
            .requiredString("kind")
            .name("started_at").type(timestamp()).noDefault()
            .name("ended_at").type(timestamp()).noDefault()
            .requiredString("state")
            .requiredLong("rows_in")
            .requiredLong("rows_out")
            .requiredLong("dead_lettered")
            .optionalString("error")
            .requiredString("inputs")
            .requiredString("outputs")
            .optionalString("slo_state")
            .endRecord();

    private final String path;
    private final DeltaLog log;
    private final ParquetFiles files;

    public RunHistory(String lakeRoot, Map<String, String> hadoop) {
        Configuration conf = Hadoop.configuration(hadoop);
        this.path = LakeTables.path(lakeRoot, TABLE);
        this.log = DeltaLog.forTable(conf, path);
        this.files = new ParquetFiles(conf);
    }

    private static Schema timestamp() {
        return LogicalTypes.timestampMicros().addToSchema(Schema.create(Schema.Type.LONG));
    }

    public String path() {
        return path;
    }

    /** The row of an ended run's event; empty for START, RUNNING and OTHER events, or an event without the spine's facet. */
    public static Optional<GenericRecord> row(JsonNode event) {
        String type = event.path("eventType").asText();
        if (!type.equals("COMPLETE") && !type.equals("FAIL") && !type.equals("ABORT")) {
            return Optional.empty();
        }
        JsonNode summary = event.at("/run/facets/meshspine_run");
        if (summary.isMissingNode()) {
            return Optional.empty();
        }
        GenericRecord r = new GenericData.Record(SCHEMA);
        r.put("run_id", event.at("/run/runId").asText());
        r.put("job", event.at("/job/name").asText());
        r.put("kind", summary.path("kind").asText());
        OffsetDateTime ended = OffsetDateTime.parse(event.path("eventTime").asText());
        OffsetDateTime started = summary.has("startedAt") ? OffsetDateTime.parse(summary.get("startedAt").asText()) : ended;
        r.put("started_at", micros(started));
        r.put("ended_at", micros(ended));
        r.put("state", type);
        r.put("rows_in", summary.path("rowsIn").asLong());
        r.put("rows_out", summary.path("rowsOut").asLong());
        r.put("dead_lettered", summary.path("deadLettered").asLong());
        JsonNode error = event.at("/run/facets/errorMessage/message");
        r.put("error", error.isMissingNode() ? null : error.asText());
        r.put("inputs", datasets(event.path("inputs")));
        r.put("outputs", datasets(event.path("outputs")));
        // Judged by the emitter against the run's contract SLOs (SloState); events from before it carry none.
        JsonNode slo = summary.path("sloState");
        r.put("slo_state", slo.isTextual() ? slo.asText() : io.meshspine.core.lineage.SloState.UNKNOWN.name());
        return Optional.of(r);
    }

    private static long micros(OffsetDateTime t) {
        return t.toEpochSecond() * 1_000_000L + t.getNano() / 1_000;
    }

    /** {@code namespace/name[@version]}, comma separated; a file dataset is its absolute path. */
    private static String datasets(JsonNode list) {
        List<String> out = new ArrayList<>();
        for (JsonNode d : list) {
            String ns = d.path("namespace").asText();
            String name = ns.equals("file") ? d.path("name").asText() : ns + "/" + d.path("name").asText();
            JsonNode version = d.at("/facets/version/datasetVersion");
            out.add(version.isMissingNode() ? name : name + "@" + version.asText());
        }
        return String.join(", ", out);
    }

    /** The last offset of {@code spine.lineage}'s partition the table holds; -1 when none. */
    public long committedOffset(String kafkaClusterId, int partition) {
        return log.startTransaction().txnVersion(appId(kafkaClusterId, partition));
    }

    private static String appId(String kafkaClusterId, int partition) {
        return APP_ID_PREFIX + kafkaClusterId + ":" + io.meshspine.core.topic.Topics.LINEAGE + ":" + partition;
    }

    /**
     * Appends the rows and records the offsets, in one commit.
     *
     * @return false when another writer already committed these offsets (nothing written)
     */
    public boolean append(List<GenericRecord> rows, String kafkaClusterId, Map<Integer, long[]> offsetsByPartition) {
        OptimisticTransaction txn = log.startTransaction();
        for (Map.Entry<Integer, long[]> e : offsetsByPartition.entrySet()) {
            if (txn.txnVersion(appId(kafkaClusterId, e.getKey())) >= e.getValue()[0]) {
                return false;
            }
        }
        if (txn.readVersion() < 0) {
            txn.updateMetadata(Metadata.builder().id(UUID.randomUUID().toString()).name(TABLE)
                    .description("meshspine run history: one row per ended run, from spine.lineage")
                    .schema(DeltaSchemas.toDelta(SCHEMA)).createdTime(System.currentTimeMillis()).build());
        }
        List<Action> actions = new ArrayList<>();
        long now = System.currentTimeMillis();
        List<String> written = new ArrayList<>();
        try {
            for (ParquetFiles.WrittenFile f : files.write(path, SCHEMA, Optional.empty(), List.of(), rows)) {
                written.add(f.path());
                actions.add(new AddFile(f.path(), f.partitionValues(), f.size(), now, true, f.stats(), Map.of()));
            }
            offsetsByPartition.forEach((p, range) -> actions.add(new SetTransaction(appId(kafkaClusterId, p), range[1], Optional.of(now))));
            txn.commit(actions, new Operation(Operation.Name.WRITE, Map.of("mode", "\"Append\"")), io.meshspine.sink.internal.DeltaTable.ENGINE_INFO);
            written.clear();
            return true;
        } finally {
            if (!written.isEmpty()) {
                files.deleteQuietly(path, written);
            }
        }
    }

    /** Every row, in no particular order (the CLI sorts); nothing when the table does not exist yet. */
    public void read(Consumer<GenericRecord> rows) {
        if (!log.tableExists()) {
            return;
        }
        Snapshot snapshot = log.update();
        for (Iterator<AddFile> it = snapshot.scan().getFiles(); it.hasNext(); ) {
            files.read(path, it.next().getPath(), SCHEMA, rows);
        }
    }
}
