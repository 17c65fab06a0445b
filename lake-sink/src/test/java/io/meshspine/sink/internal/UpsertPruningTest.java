package io.meshspine.sink.internal;

import io.delta.kernel.Table;
import io.delta.kernel.defaults.engine.DefaultEngine;
import io.delta.standalone.Operation;
import io.delta.standalone.OptimisticTransaction;
import io.delta.standalone.actions.Action;
import io.delta.standalone.actions.AddFile;
import io.delta.standalone.actions.RemoveFile;
import io.meshspine.sink.BatchTrigger;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntFunction;

import static org.assertj.core.api.Assertions.assertThat;
import io.meshspine.testkit.KernelTable;

/**
 * Upsert pruning for every key type a contract may declare, and for compound keys: a table of four files with disjoint
 * key ranges, a batch whose keys all fall in the second file's range, and the planner rewrites that file alone (the
 * statistics written by our Parquet files, read back through the Delta log). The result is read with Delta Kernel.
 */
class UpsertPruningTest {

    private static final int FILES = 4;
    private static final int ROWS_PER_FILE = 100;

    /** A key column type, with a value for each sequence number that sorts as the number does. */
    enum KeyType {
        STRING(Schema.create(Schema.Type.STRING), i -> String.format("key-%05d", i)),
        UUID(LogicalTypes.uuid().addToSchema(Schema.create(Schema.Type.STRING)), i -> String.format("%08x-0000-4000-8000-%012x", i, i)),
        INT(Schema.create(Schema.Type.INT), i -> i - 150),
        LONG(Schema.create(Schema.Type.LONG), i -> 1_000_000_000_000L + i),
        DECIMAL(LogicalTypes.decimal(18, 2).addToSchema(Schema.create(Schema.Type.BYTES)),
                i -> new org.apache.avro.Conversions.DecimalConversion().toBytes(BigDecimal.valueOf(i * 100L - 15_005, 2), null,
                        LogicalTypes.decimal(18, 2))),
        DATE(LogicalTypes.date().addToSchema(Schema.create(Schema.Type.INT)), i -> 20_000 + i),
        TIMESTAMP(LogicalTypes.timestampMicros().addToSchema(Schema.create(Schema.Type.LONG)), i -> 1_700_000_000_000_000L + i * 1_000_123L),
        /** (region, id): every file holds the same region, so only the second column can rule files out. */
        COMPOUND(Schema.create(Schema.Type.LONG), i -> 5_000L + i);

        final Schema schema;
        final IntFunction<Object> value;

        KeyType(Schema schema, IntFunction<Object> value) {
            this.schema = schema;
            this.value = value;
        }

        List<String> keys() {
            return this == COMPOUND ? List.of("region", "k") : List.of("k");
        }

        Schema rowSchema() {
            SchemaBuilder.FieldAssembler<Schema> fields = SchemaBuilder.record("Row" + name()).namespace("io.meshspine.sink.pruning").fields();
            if (this == COMPOUND) {
                fields = fields.name("region").type().stringType().noDefault();
            }
            return fields.name("k").type(schema).noDefault().name("note").type().stringType().noDefault().endRecord();
        }

        GenericRecord row(Schema rowSchema, int i, String note) {
            GenericData.Record r = new GenericData.Record(rowSchema);
            if (this == COMPOUND) {
                r.put("region", "NSW");
            }
            r.put("k", value.apply(i));
            r.put("note", note);
            return r;
        }
    }

    @ParameterizedTest
    @EnumSource(KeyType.class)
    void an_upsert_rewrites_only_the_file_whose_key_range_holds_the_batch(KeyType type, @TempDir Path dir) {
        Configuration conf = Hadoop.configuration(Map.of());
        Schema rowSchema = type.rowSchema();
        String uri = Hadoop.qualify(dir.resolve("t").toString());
        TableSpec spec = new TableSpec("silver/pruning/" + type.name().toLowerCase() + "_v1", uri, TableKind.SILVER_UPSERT, "pruning.topic",
                null, rowSchema, Optional.empty(), type.keys(), BatchTrigger.DEFAULT);
        DeltaTable table = new DeltaTable(spec, conf);
        ParquetFiles files = new ParquetFiles(conf);

        OptimisticTransaction create = table.begin();
        List<Action> adds = new ArrayList<>();
        for (int f = 0; f < FILES; f++) {
            List<GenericRecord> rows = new ArrayList<>();
            for (int i = f * ROWS_PER_FILE; i < (f + 1) * ROWS_PER_FILE; i++) {
                rows.add(type.row(rowSchema, i, "original"));
            }
            for (ParquetFiles.WrittenFile w : files.write(uri, rowSchema, Optional.empty(), type.keys(), rows)) {
                adds.add(new AddFile(w.path(), w.partitionValues(), w.size(), System.currentTimeMillis(), true, w.stats(), Map.of()));
            }
        }
        create.commit(adds, new Operation(Operation.Name.WRITE), DeltaTable.ENGINE_INFO);

        // Two updates and an insert, all inside the second file's key range.
        LinkedHashMap<BusinessKey, SilverRows.KeyChange> changes = new LinkedHashMap<>();
        for (int i : new int[]{150, 160}) {
            GenericRecord changed = type.row(rowSchema, i, "changed");
            changes.put(BusinessKey.of(changed, type.keys()), new SilverRows.Change.Upsert(BusinessKey.of(changed, type.keys()), changed, null));
        }
        GenericRecord deleted = type.row(rowSchema, 170, "gone");
        changes.put(BusinessKey.of(deleted, type.keys()), new SilverRows.Change.Delete(BusinessKey.of(deleted, type.keys()), null));

        OptimisticTransaction txn = table.begin();
        List<Action> actions = new ArrayList<>();
        List<ParquetFiles.WrittenFile> written = new UpsertPlanner(spec, files).plan(txn, changes, actions).files();
        assertThat(actions.stream().filter(a -> a instanceof RemoveFile)).as("files rewritten for " + type).hasSize(1);
        written.forEach(w -> actions.add(new AddFile(w.path(), w.partitionValues(), w.size(), System.currentTimeMillis(), true, w.stats(), Map.of())));
        txn.commit(actions, new Operation(Operation.Name.MERGE), DeltaTable.ENGINE_INFO);

        var engine = DefaultEngine.create(new Configuration());
        var snapshot = Table.forPath(engine, uri).getLatestSnapshot(engine);
        assertThat(snapshot.getVersion()).as("the create and the one merge").isEqualTo(1);
        List<String> notes = KernelTable.strings(uri, "note");
        assertThat(notes).hasSize(FILES * ROWS_PER_FILE - 1);
        assertThat(notes.stream().filter("changed"::equals)).hasSize(2);
    }
}
