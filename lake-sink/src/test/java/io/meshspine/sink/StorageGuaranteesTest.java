package io.meshspine.sink;

import io.delta.standalone.DeltaLog;
import io.delta.standalone.Operation;
import io.delta.standalone.OptimisticTransaction;
import io.delta.standalone.actions.Metadata;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.sink.internal.DeltaSchemas;
import io.meshspine.sink.internal.DeltaTable;
import io.meshspine.sink.internal.Hadoop;
import io.meshspine.sink.internal.LogStores;
import io.meshspine.sink.internal.PosixLogStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What each store guarantees several writers, and the settings the sink refuses because they would break it. */
class StorageGuaranteesTest {

    @Test
    void a_local_lake_writes_its_versions_through_the_put_if_absent_store(@TempDir Path dir) {
        Configuration conf = Hadoop.configuration(Map.of());
        assertThat(conf.get(LogStores.FILE_STORE_KEY)).isEqualTo(PosixLogStore.class.getName());
        assertThat(Hadoop.configuration(Map.of(LogStores.FILE_STORE_KEY, "io.delta.storage.HDFSLogStore")).get(LogStores.FILE_STORE_KEY))
                .as("an operator's choice wins").isEqualTo("io.delta.storage.HDFSLogStore");
    }

    @Test
    void the_put_if_absent_store_refuses_a_version_that_exists_and_leaves_the_first_writers_content(@TempDir Path dir) throws Exception {
        Configuration conf = Hadoop.configuration(Map.of());
        PosixLogStore store = new PosixLogStore(conf);
        Path version = dir.resolve("00000000000000000007.json");
        org.apache.hadoop.fs.Path hadoopPath = new org.apache.hadoop.fs.Path(version.toUri());
        store.write(hadoopPath, List.of("{\"first\":true}").iterator(), false, conf);
        assertThatThrownBy(() -> store.write(hadoopPath, List.of("{\"second\":true}").iterator(), false, conf))
                .isInstanceOf(FileAlreadyExistsException.class);
        assertThat(Files.readString(version)).isEqualTo("{\"first\":true}\n");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).as("no temp files left").containsExactly("00000000000000000007.json");
        }
    }

    @Test
    void a_sink_on_s3_without_a_multi_writer_log_store_refuses_to_start_unless_one_writer_is_declared() {
        SinkConfig s3 = SinkConfig.defaults("127.0.0.1:9", "http://127.0.0.1:9/apis/registry/v3").withLakeRoot("s3a://bucket/lake");
        assertThatThrownBy(() -> LakeSink.start(s3, ContractCatalog.of(List.of()), new SimpleMeterRegistry()))
                .isInstanceOf(LogStores.UnsafeLogStoreException.class)
                .hasMessageContaining("hadoop.delta.logStore.s3a.impl").hasMessageContaining("sink.single-writer");
        assertThatThrownBy(() -> LogStores.requireSafe("s3a://bucket/lake", Hadoop.configuration(Map.of(LogStores.schemeKey("s3a"),
                "io.delta.storage.S3SingleDriverLogStore")), false, "sink.single-writer"))
                .as("naming the single-driver store is no better").isInstanceOf(LogStores.UnsafeLogStoreException.class);
        assertThatCode(() -> LogStores.requireSafe("s3a://bucket/lake", Hadoop.configuration(Map.of(LogStores.schemeKey("s3a"),
                "io.delta.storage.S3DynamoDBLogStore")), false, "sink.single-writer")).doesNotThrowAnyException();
        assertThatCode(() -> LogStores.requireSafe("s3a://bucket/lake", Hadoop.configuration(Map.of()), true, "sink.single-writer"))
                .doesNotThrowAnyException();
        assertThatCode(() -> LogStores.requireSafe("abfss://c@a.dfs.core.windows.net/lake", Hadoop.configuration(Map.of()), false, "x"))
                .as("ADLS keeps Delta's own store").doesNotThrowAnyException();
    }

    @Test
    void a_vacuum_retention_under_twice_the_longest_a_batch_can_stay_open_is_refused() {
        SinkConfig config = SinkConfig.defaults("127.0.0.1:9", "http://127.0.0.1:9/apis/registry/v3");
        BatchTrigger tenMinutes = BatchTrigger.DEFAULT.withMaxLatency(Duration.ofMinutes(10));
        assertThat(tenMinutes.maxOpen()).isEqualTo(Duration.ofMinutes(10L * (BatchTrigger.COMMIT_ATTEMPTS + 2)));
        assertThat(tenMinutes.minVacuumRetention()).isEqualTo(Duration.ofMinutes(240));
        assertThat(BatchTrigger.DEFAULT.minVacuumRetention()).as("short latencies keep the one-hour floor").isEqualTo(Duration.ofHours(1));
        MaintenancePolicy threeHours = new MaintenancePolicy(Duration.ofHours(1), Maintenance.DEFAULT_TARGET_FILE_BYTES, Duration.ofHours(3));
        assertThatThrownBy(() -> config.withMaintenance(threeHours).withTrigger(tenMinutes))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sink.maintenance.vacuum-retention")
                .hasMessageContaining("PT4H");
        assertThatThrownBy(() -> config.withMaintenance(threeHours).withTableTriggers(Map.of("silver/x/y_v1", tenMinutes)))
                .hasMessageContaining("silver/x/y_v1");
        assertThatCode(() -> config.withMaintenance(MaintenancePolicy.OFF).withTrigger(tenMinutes))
                .as("no upkeep, nothing to race").doesNotThrowAnyException();
    }

    @Test
    void vacuum_from_the_command_line_refuses_less_than_the_floor_the_tables_sink_recorded(@TempDir Path dir) {
        String table = Hadoop.qualify(dir.resolve("t").toString());
        DeltaLog log = DeltaLog.forTable(Hadoop.configuration(Map.of()), table);
        OptimisticTransaction txn = log.startTransaction();
        txn.updateMetadata(Metadata.builder().id(UUID.randomUUID().toString()).schema(DeltaSchemas.toDelta(CommitLoopMain.ROW))
                .configuration(Map.of(DeltaTable.AVRO_SCHEMA, CommitLoopMain.ROW.toString(), DeltaTable.MIN_VACUUM_RETENTION, "PT4H")).build());
        txn.commit(List.of(), new Operation(Operation.Name.CREATE_TABLE), DeltaTable.ENGINE_INFO);
        assertThatThrownBy(() -> Maintenance.vacuum(table, Duration.ofHours(2), Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT4H");
        assertThat(Maintenance.vacuum(table, Duration.ofHours(5), Map.of()).filesDeleted()).isZero();
        assertThat(Maintenance.vacuumWithNoWriterRunning(table, Duration.ZERO, Map.of()).filesDeleted()).isZero();
    }
}
