package io.meshspine.sink.internal;

import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.contract.SilverMode;
import io.meshspine.sink.LakeTables;
import io.meshspine.sink.SinkConfig;
import io.meshspine.core.privacy.SubjectCipher;
import org.apache.hadoop.conf.Configuration;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The tables a catalog asks for: one Silver table per contract, one Bronze table per raw topic whose contract wants it. */
public final class SinkTables {

    private SinkTables() {
    }

    public static List<TableSpec> specs(SinkConfig config, ContractCatalog catalog) {
        List<TableSpec> specs = new ArrayList<>();
        Map<String, Contract> newestByRawTopic = new LinkedHashMap<>();
        for (Contract c : catalog.contracts()) {
            String name = LakeTables.silverName(c);
            boolean upsert = c.sink().silverMode() == SilverMode.UPSERT;
            specs.add(new TableSpec(name, LakeTables.path(config.lakeRoot(), name), upsert ? TableKind.SILVER_UPSERT : TableKind.SILVER_APPEND,
                    c.productTopic(), c, upsert ? SilverRows.upsertRowSchema(c.avroSchema()) : c.avroSchema(), c.sink().partitionColumn(), c.keys(), config.triggerFor(name)));
            if (c.sink().bronze()) {
                newestByRawTopic.merge(c.rawTopic(), c, (a, b) -> a.majorVersion() >= b.majorVersion() ? a : b);
            }
        }
        for (Contract c : newestByRawTopic.values()) {
            String name = LakeTables.bronzeName(c);
            specs.add(new TableSpec(name, LakeTables.path(config.lakeRoot(), name), TableKind.BRONZE, c.rawTopic(), c,
                    BronzeRows.schema(c, BronzeRows.encrypts(c, config.privacy().encryptBronze())), Optional.of(BronzeRows.INGEST_DATE), List.of(), config.triggerFor(name)));
        }
        specs.sort(Comparator.comparing(TableSpec::name));
        return specs;
    }

    /**
     * The table's writer: its log checked against the contract (throws if incompatible), its decoders ready.
     *
     * @param cipher             the Bronze encryption ({@code null}: Bronze in clear); a Bronze table whose schema says it is
     *                           encrypted needs one
     * @param tombstoneRetention how long an upsert table keeps a deleted key's tombstone ({@link Tombstones})
     */
    public static TableSink open(TableSpec spec, Configuration conf, RegistrySchemas schemas, DeadLetters deadLetters, SinkMetrics metrics,
                                 SubjectCipher cipher, io.meshspine.core.lineage.LineageEmitter lineage, String bootstrapServers,
                                 java.time.Duration tombstoneRetention) {
        CommitLineage commits = new CommitLineage(lineage, spec, bootstrapServers);
        DeltaTable table = new DeltaTable(spec, conf);
        table.verify();
        ParquetFiles files = new ParquetFiles(conf);
        SinkMetrics.PerTable meters = metrics.table(spec.name(), spec.contract().qualifiedName());
        if (spec.kind() == TableKind.SILVER_UPSERT) {
            return new TableSink(spec, table, files, deadLetters, meters, silverRows(spec, schemas, true), commits,
                    new Tombstones(spec, conf, files, tombstoneRetention));
        }
        List<WriterLane> lanes = new ArrayList<>();
        for (int i = 0; i < WRITER_LANES; i++) {
            // Decoders keep per-thread scratch state: each lane has its own.
            BronzeRows bronze = spec.kind() == TableKind.BRONZE
                    ? new BronzeRows(spec.contract(), new RecordDecoder(schemas, BronzeRows.payloadReader(spec.contract())), spec.rowSchema(),
                            spec.rowSchema().getField(BronzeRows.KEY_ID) == null ? null : java.util.Objects.requireNonNull(cipher, "cipher"))
                    : null;
            // A lane writes each row before it decodes the next: its decoder fills one record again and again.
            lanes.add(new WriterLane(spec, files, bronze, bronze == null ? new SilverRows(spec.contract(),
                    new RecordDecoder(schemas, spec.contract().avroSchema()).reusing(), new RecordDecoder(schemas, spec.contract().keySchema()),
                    false) : null, i));
        }
        boolean encrypted = spec.rowSchema().getField(BronzeRows.KEY_ID) != null;
        return new TableSink(spec, table, files, deadLetters, meters, null, null, lanes, commits, encrypted ? cipher::awaitKeysDurable : () -> { });
    }

    /** Writer threads per append table: decoding and Parquet encoding of different source partitions in parallel. */
    static final int WRITER_LANES = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));

    private static SilverRows silverRows(TableSpec spec, RegistrySchemas schemas, boolean upsert) {
        return new SilverRows(spec.contract(), new RecordDecoder(schemas, spec.contract().avroSchema()),
                new RecordDecoder(schemas, spec.contract().keySchema()), upsert);
    }

    /** @param client the cluster and the operator's {@code kafka.*} settings */
    public static DeadLetters deadLetters(Map<String, Object> client, RegistrySchemas schemas) {
        return new DeadLetters(client, schemas);
    }

    /** @param cipher seals originals of contracts with PII (null: sent as they are) */
    public static DeadLetters deadLetters(Map<String, Object> client, RegistrySchemas schemas, SubjectCipher cipher,
                                          io.meshspine.core.contract.ContractCatalog catalog) {
        return new DeadLetters(client, schemas, cipher == null ? null : DeadLetters.sealer(cipher, catalog.contracts(), schemas));
    }

    /** @param ownSealer seals originals of contracts with PII over a key store of its own, closed with the dead letters */
    public static DeadLetters deadLetters(Map<String, Object> client, RegistrySchemas schemas, io.meshspine.core.privacy.DeadLetterSealer ownSealer) {
        return new DeadLetters(client, schemas, ownSealer, true);
    }
}
