package io.meshspine.sink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshspine.core.SpineHeaders;
import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.avro.WireFormat;
import io.meshspine.core.cdc.ChangeEvent;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.registry.ApicurioClient;
import io.meshspine.core.registry.ContractRegistrar;
import io.meshspine.core.topic.TopicCatalogue;
import io.meshspine.core.topic.TopicProvisioner;
import io.meshspine.gate.ContractGateService;
import io.meshspine.gate.GateConfig;
import io.meshspine.gate.GateSettings;
import io.meshspine.gate.ProductTransform;
import io.meshspine.sink.internal.BackfillJob;
import io.meshspine.sink.internal.Tombstones;
import io.meshspine.testkit.ContractFixtures;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import io.meshspine.testkit.KernelTable;

/**
 * Issue #17's test 3 on the real broker and registry, tables read with Delta Kernel: CDC change events of an upsert
 * contract (snapshot reads, updates, deletes, a re-insert, a rule failure, a re-delivery, keys whose changes sit in two
 * raw partitions out of arrival order, a stale snapshot re-read) go the live way (raw topic, gate, product topic, sink,
 * over two sink batches), then the backfill rebuilds the table from Bronze into a new one: both hold the same rows,
 * every column. Each key's final state is pinned too (by {@code updated_at}, which encodes key and LSN: the other
 * text columns are masked). The backfill's lineage run goes from Bronze at its version to the new table at its version.
 */
@ExtendWith(SpineExtension.class)
class UpsertBackfillOnBrokerTest {

    private static final String HASH_KEY = "upsert-backfill-hash-key-0123456789";
    private static final long BASE = 1_700_000_000_000_000L;
    private static final int SNAPSHOT_KEYS = 30;
    private static final ObjectMapper JSON = new ObjectMapper();

    private Contract contract;
    private KafkaProducer<byte[], byte[]> producer;
    private Schema envelope;
    private long envelopeId;
    /** Key number to the updated_at of its expected final row (absent: deleted). */
    private final Map<Integer, Long> expected = new TreeMap<>();

    @Test
    void an_upsert_table_rebuilt_from_bronze_equals_the_live_table_column_for_column(SpineTestKit kit, @TempDir Path dir) throws Exception {
        contract = ContractFixtures.inFreshDomain(ContractCatalog.fromClasspath().find("crm.customers", 1).orElseThrow(), "upbf");
        new TopicProvisioner(kit.admin(), (short) 1).provision(TopicCatalogue.of(List.of(contract)).topics());
        RegistrySchemas registry = new RegistrySchemas(new ApicurioClient(kit.registryUrl()));
        envelope = ChangeEvent.envelope(contract.avroSchema());
        envelopeId = registry.contentIdFor(contract.domain(), ContractRegistrar.valueArtifact(contract.rawTopic()), envelope);
        Path lake = dir.resolve("lake");
        Map<String, String> gateSettings = Map.of("kafka.bootstrap.servers", kit.bootstrapServers(), "registry.url", kit.registryUrl(),
                "gate.hash-key", HASH_KEY, "gate.application-id", SpineTestKit.uniqueName("upbf-gate"), "gate.state-dir", dir.resolve("state").toString());
        GateConfig gateConfig = GateSettings.parse(gateSettings);
        String bronzePath = LakeTables.path(lake.toString(), LakeTables.bronzeName(contract));
        String livePath = LakeTables.path(lake.toString(), LakeTables.silverName(contract));
        SinkConfig sinkConfig = SinkConfig.defaults(kit.bootstrapServers(), kit.registryUrl()).withLakeRoot(lake.toString())
                .withGroupId(SpineTestKit.uniqueName("upbf-sink")).withTableTriggers(Map.of());
        int raw = 0;
        try (ContractGateService gate = ContractGateService.start(gateConfig, ContractCatalog.of(List.of(contract)), new SimpleMeterRegistry(), ProductTransform.NONE)) {
            producer = new KafkaProducer<>(kit.producerConfig(), new ByteArraySerializer(), new ByteArraySerializer());
            try {
                // The initial snapshot: every key read at the snapshot's LSN, in the partition its key hashes to.
                for (int k = 0; k < SNAPSHOT_KEYS; k++) {
                    raw += change(k % 2, k, "r", 100);
                }
                producer.flush();
                try (SinkService sink = LakeSink.start(sinkConfig.withTrigger(new BatchTrigger(10_000, 64L << 20, Duration.ofMillis(300))),
                        ContractCatalog.of(List.of(contract)), new SimpleMeterRegistry())) {
                    int rawSoFar = raw;
                    await("the snapshot in both tables").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                            .until(() -> KernelTable.count(bronzePath) == rawSoFar && KernelTable.count(livePath) == SNAPSHOT_KEYS);
                }
                // Streamed changes, while no sink runs: the next sink reads them all in one batch on top of the snapshot's rows.
                int passing = 0;
                raw += change(1, 1, "u", 200) + change(1, 1, "u", 210);
                passing += 2;
                raw += delete(0, 2, 220);
                passing += 1;
                raw += delete(1, 3, 230) + change(1, 3, "c", 240);
                passing += 2;
                raw += badEmail(0, 4, 250);
                raw += change(1, 5, "u", 260) + redelivered(1, 5, 260);
                passing += 1;
                // Keys whose changes sit in two raw partitions: Bronze is read partition by partition, so the older change
                // of key 6 and the older update of the deleted key 8 come last in read order.
                raw += change(0, 6, "u", 300) + change(1, 6, "u", 270);
                raw += change(1, 7, "u", 310) + change(0, 7, "u", 280);
                raw += delete(0, 8, 320) + change(1, 8, "u", 290);
                raw += delete(1, 9, 330) + change(0, 9, "u", 295);
                passing += 8;
                // A snapshot re-read older than the row the table holds: ignored by both.
                raw += change(0, 10, "r", 90);
                passing += 1;
                raw += change(0, 40, "c", 340);
                passing += 1;
                producer.flush();
                long products = SNAPSHOT_KEYS + passing;
                await("the gate passed the changes").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                        .until(() -> committedRecords(kit, contract.productTopic()) == products);
            } finally {
                producer.close(Duration.ofSeconds(5));
            }
        }
        int rawTotal = raw;
        long snapshotVersion = KernelTable.read(livePath).version();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (SinkService sink = LakeSink.start(sinkConfig.withTrigger(new BatchTrigger(10_000, 64L << 20, Duration.ofSeconds(5))),
                ContractCatalog.of(List.of(contract)), meters)) {
            await("the changes in both tables").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                    .until(() -> KernelTable.count(bronzePath) == rawTotal && updatedAts(KernelTable.read(livePath)).equals(sortedExpected()));
        }
        KernelTable.Contents live = KernelTable.read(livePath);
        // One batch for the changes: a delete and an older update of its key in another partition are decided together (across
        // batches the live table forgets a deleted key's sequence, a limit in the README, and would bring key 8 or 9 back).
        assertThat(live.version()).as("the changes in one batch").isEqualTo(snapshotVersion + 1);
        assertThat(KernelTable.read(bronzePath).files()).as("Bronze holds both raw partitions' files").isGreaterThanOrEqualTo(2);

        Path events = dir.resolve("lineage/events.jsonl");
        Map<String, String> withLineage = new HashMap<>(gateSettings);
        withLineage.put("lineage.transport", "file");
        withLineage.put("lineage.file", events.toString());
        GateConfig backfillGate = GateSettings.parse(withLineage);
        String into = io.meshspine.sink.internal.Hadoop.qualify(dir.resolve("rebuilt").toString());
        BackfillJob.Summary s = Backfill.run(contract, backfillGate, new Backfill.Options(lake.toString(), into, null, null, false).withWorkers(2),
                BackfillJob.Progress.NONE);
        assertThat(List.of(s.rowsRead(), s.passed(), s.deadLettered(), s.duplicates(), s.silverRows()))
                .containsExactly((long) rawTotal, (long) rawTotal - 2, 1L, 1L, (long) expected.size());
        assertThat(s.workers()).isEqualTo(2);

        KernelTable.Contents rebuilt = KernelTable.read(into);
        assertThat(rebuilt.schema()).isEqualTo(live.schema());
        assertThat(byKey(rebuilt)).as("every column of every row, _source_sequence included").isEqualTo(byKey(live));
        assertThat(updatedAts(rebuilt)).isEqualTo(sortedExpected());
        // A backfill into a new table leaves the tombstones of its deletes (keys 2, 8, 9; key 3 came back), as the live
        // sink does, and its commit's txn points at their version: the sink's later commits read them.
        KernelTable.Contents rebuiltTombstones = KernelTable.read(Tombstones.path(into));
        assertThat(rebuiltTombstones.column("_source_sequence")).containsExactlyInAnyOrder(pg(220), pg(320), pg(330));
        assertThat(KernelTable.txnVersion(into, Tombstones.APP_ID)).contains(rebuiltTombstones.version());

        // The same backfill with a memory bound of one row: identities (8 in memory) and upsert changes (1 per worker)
        // spill to disk many times; the result is the same, row for row (UpsertStateTest merges runs past 64).
        String spilledInto = io.meshspine.sink.internal.Hadoop.qualify(dir.resolve("rebuilt-spilled").toString());
        BackfillJob.Summary spilled = Backfill.run(contract, gateConfig, new Backfill.Options(lake.toString(), spilledInto, null, null, false)
                .withWorkers(2).withMemoryRows(1), BackfillJob.Progress.NONE);
        assertThat(spilled.spills()).as("spilled to disk").isGreaterThan(20);
        assertThat(List.of(spilled.rowsRead(), spilled.passed(), spilled.deadLettered(), spilled.duplicates(), spilled.silverRows()))
                .containsExactly((long) rawTotal, (long) rawTotal - 2, 1L, 1L, (long) expected.size());
        assertThat(s.spills()).as("the default bound holds this table in memory").isZero();
        KernelTable.Contents rebuiltSpilled = KernelTable.read(spilledInto);
        assertThat(byKey(rebuiltSpilled)).as("every column of every row after spilling").isEqualTo(byKey(live));
        assertThat(updatedAts(rebuiltSpilled)).isEqualTo(sortedExpected());
        try (var left = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            assertThat(left.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("spine-backfill-" + contract.qualifiedName())))
                    .as("spill directory deleted").isEmpty();
        }

        // Lineage: START, then COMPLETE from Bronze at the version read to the new table at the version committed.
        List<JsonNode> mine = new ArrayList<>();
        for (String line : Files.readAllLines(events)) {
            JsonNode e = JSON.readTree(line);
            if (e.path("job").path("name").asText().startsWith("lake-backfill.")) {
                mine.add(e);
            }
        }
        assertThat(mine).extracting(e -> e.path("eventType").asText()).containsExactly("START", "COMPLETE");
        JsonNode complete = mine.get(1);
        assertThat(complete.path("run").path("runId").asText()).isEqualTo(mine.get(0).path("run").path("runId").asText());
        assertThat(complete.path("job").path("facets").path("jobType").path("jobType").asText()).isEqualTo("BACKFILL");
        JsonNode input = complete.path("inputs").get(0);
        assertThat(input.path("name").asText()).endsWith(LakeTables.bronzeName(contract));
        assertThat(input.path("facets").path("version").path("datasetVersion").asText()).isEqualTo(Long.toString(s.bronzeVersion()));
        JsonNode output = complete.path("outputs").get(0);
        assertThat(output.path("name").asText()).endsWith(dir.resolve("rebuilt").toString());
        assertThat(output.path("facets").path("version").path("datasetVersion").asText()).isEqualTo(Long.toString(s.tableVersion()));
        assertThat(output.path("outputFacets").path("outputStatistics").path("rowCount").asLong()).isEqualTo((long) expected.size());
        assertThat(output.path("outputFacets").path("outputStatistics").path("fileCount").asLong()).isEqualTo((long) rebuilt.files());
        JsonNode counts = complete.path("run").path("facets").path("meshspine_run");
        assertThat(List.of(counts.path("rowsIn").asLong(), counts.path("rowsOut").asLong(), counts.path("deadLettered").asLong()))
                .containsExactly((long) rawTotal, (long) expected.size(), 1L);
        String commit = Files.readString(dir.resolve("rebuilt/_delta_log/00000000000000000000.json"));
        assertThat(commit).as("the commit names its run").contains(mine.get(0).path("run").path("runId").asText());

        // A second backfill into the same table is refused: its run ends in FAIL with the reason.
        assertThatThrownBy(() -> Backfill.run(contract, backfillGate, new Backfill.Options(lake.toString(), into, null, null, false),
                BackfillJob.Progress.NONE)).isInstanceOf(IllegalStateException.class).hasMessageContaining("a table exists");
        List<JsonNode> failed = new ArrayList<>();
        for (String line : Files.readAllLines(events)) {
            JsonNode e = JSON.readTree(line);
            if (e.path("eventType").asText().equals("FAIL") && e.path("job").path("name").asText().startsWith("lake-backfill.")) {
                failed.add(e);
            }
        }
        assertThat(failed).hasSize(1);
        assertThat(failed.get(0).path("run").path("facets").path("errorMessage").path("message").asText()).contains("a table exists");
    }

    /**
     * {@code --replace} of an upsert table with deletes in Bronze (from before tombstones existed: the table has none for
     * them), deletes in the product tail (passed by the gate after the Bronze snapshot) and an erased subject (its row
     * deleted from Silver only, Bronze in clear still holds its change): the rebuilt table holds none of those keys, the
     * replace recorded the tombstones of the deletes it applied (the erasure's stays) and points its txn at them; then old
     * changes of those keys, replayed through the gate to the restarted sink, are ignored and a newer change brings a key
     * back.
     */
    @Test
    void a_replace_keeps_deleted_and_erased_keys_deleted_against_old_changes_replayed_after_it(SpineTestKit kit, @TempDir Path dir) throws Exception {
        contract = ContractFixtures.inFreshDomain(ContractCatalog.fromClasspath().find("crm.customers", 1).orElseThrow(), "uprp");
        new TopicProvisioner(kit.admin(), (short) 1).provision(TopicCatalogue.of(List.of(contract)).topics());
        RegistrySchemas registry = new RegistrySchemas(new ApicurioClient(kit.registryUrl()));
        envelope = ChangeEvent.envelope(contract.avroSchema());
        envelopeId = registry.contentIdFor(contract.domain(), ContractRegistrar.valueArtifact(contract.rawTopic()), envelope);
        Path lake = dir.resolve("lake");
        GateConfig gateConfig = GateSettings.parse(Map.of("kafka.bootstrap.servers", kit.bootstrapServers(), "registry.url", kit.registryUrl(),
                "gate.hash-key", HASH_KEY, "gate.application-id", SpineTestKit.uniqueName("uprp-gate"), "gate.state-dir", dir.resolve("state").toString()));
        String bronzePath = LakeTables.path(lake.toString(), LakeTables.bronzeName(contract));
        String livePath = LakeTables.path(lake.toString(), LakeTables.silverName(contract));
        String tombstonePath = Tombstones.path(livePath);
        SinkConfig sinkConfig = SinkConfig.defaults(kit.bootstrapServers(), kit.registryUrl()).withLakeRoot(lake.toString())
                .withGroupId(SpineTestKit.uniqueName("uprp-sink")).withTableTriggers(Map.of())
                .withTrigger(new BatchTrigger(10_000, 64L << 20, Duration.ofMillis(300)));
        int products = 0;
        try (ContractGateService gate = ContractGateService.start(gateConfig, ContractCatalog.of(List.of(contract)), new SimpleMeterRegistry(), ProductTransform.NONE)) {
            producer = new KafkaProducer<>(kit.producerConfig(), new ByteArraySerializer(), new ByteArraySerializer());
            try {
                try (SinkService sink = LakeSink.start(sinkConfig, ContractCatalog.of(List.of(contract)), new SimpleMeterRegistry())) {
                    for (int k = 0; k < 8; k++) {
                        products += change(0, k, "r", 100);
                    }
                    producer.flush();
                    await("the snapshot in both tables").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                            .until(() -> KernelTable.count(bronzePath) == 8 && KernelTable.count(livePath) == 8);
                    products += delete(0, 1, 200) + delete(0, 2, 210);
                    producer.flush();
                    await("the deletes in both tables").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                            .until(() -> KernelTable.count(bronzePath) == 10 && KernelTable.count(livePath) == 6);
                    // As a table whose deletes predate tombstones: Bronze holds the deletes, no tombstone does.
                    deleteTree(tombstonePath.startsWith("file:") ? Path.of(java.net.URI.create(tombstonePath)) : Path.of(tombstonePath));
                    // The erasure of key 6's subject, while the sink runs: Silver only (Bronze is in clear here).
                    String subject = KernelTable.read(livePath).rows().stream().filter(r -> updatedAt(r) % 100 == 6)
                            .map(r -> String.valueOf(r.get("customer_id"))).findFirst().orElseThrow();
                    SubjectDeletion.Result erased = SubjectDeletion.delete(livePath, "customer_id", java.util.Set.of(subject), "ticket-6", Map.of());
                    assertThat(erased.rowsRemoved()).isEqualTo(1);
                    expected.remove(6);
                    assertThat(KernelTable.read(tombstonePath).column("_source_sequence")).containsExactly(pg(100) + "~erased");
                }
                // The tail: changes the gate passes while no sink writes Bronze; a delete, an update, an update then a delete.
                products += delete(0, 4, 300) + change(0, 5, "u", 310) + change(0, 3, "u", 320) + delete(0, 3, 330);
                producer.flush();
                int passed = products;
                await("the gate passed the tail").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                        .until(() -> committedRecords(kit, contract.productTopic()) == passed);
            } finally {
                producer.close(Duration.ofSeconds(5));
            }
            assertThat(KernelTable.count(bronzePath)).as("the tail is not in Bronze").isEqualTo(10);
            BackfillJob.Summary replaced = Backfill.run(contract, gateConfig, Backfill.Options.replacing(lake.toString(), null, Duration.ofSeconds(60)),
                    BackfillJob.Progress.NONE);
            KernelTable.Contents atReplace = KernelTable.readVersion(livePath, replaced.tableVersion());
            assertThat(updatedAts(atReplace)).as("no Bronze delete, tail delete or erased key comes back").isEqualTo(sortedExpected())
                    .containsOnlyKeys(0, 5, 7);
            KernelTable.Contents tombstones = KernelTable.read(tombstonePath);
            assertThat(tombstones.column("_source_sequence")).as("the replace's deletes recorded, the erasure's kept")
                    .containsExactlyInAnyOrder(pg(100) + "~erased", pg(200), pg(210), pg(300), pg(330));
            assertThat(KernelTable.txnVersion(livePath, Tombstones.APP_ID)).as("the replace's commit points at them").contains(tombstones.version());

            // Old changes replayed after the replace and the erasure: ignored. A newer change brings key 2 back.
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            producer = new KafkaProducer<>(kit.producerConfig(), new ByteArraySerializer(), new ByteArraySerializer());
            try (SinkService sink = LakeSink.start(sinkConfig, ContractCatalog.of(List.of(contract)), meters)) {
                change(0, 1, "u", 150);
                change(0, 4, "u", 250);
                change(0, 6, "u", 90);
                change(0, 3, "u", 325);
                change(0, 2, "u", 400);
                change(0, 20, "c", 500);
                producer.flush();
                await("the replays decided").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                        .untilAsserted(() -> {
                            assertThat(updatedAts(KernelTable.read(livePath))).isEqualTo(sortedExpected()).containsKeys(2, 20);
                            var stale = meters.find("spine.sink.stale.changes").tag("table", LakeTables.silverName(contract)).counter();
                            assertThat(stale == null ? 0 : stale.count()).as("keys 1, 3, 4 and 6 older than their tombstones").isEqualTo(4.0);
                        });
            } finally {
                producer.close(Duration.ofSeconds(5));
            }
        }
        assertThat(updatedAts(KernelTable.read(livePath))).containsOnlyKeys(0, 2, 5, 7, 20);
    }

    private static void deleteTree(Path root) throws java.io.IOException {
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static String pg(long lsn) {
        return String.format("postgres:crm@%020d", lsn);
    }

    private static long updatedAt(Map<String, Object> row) {
        java.time.Instant at = (java.time.Instant) row.get("updated_at");
        return at.getEpochSecond() * 1_000_000L + at.getNano() / 1_000 - BASE;
    }

    private Map<Integer, Long> sortedExpected() {
        return new TreeMap<>(expected);
    }

    /** Key number to updated_at: updated_at = BASE + LSN * 100 + key number, so each row names its key and its change. */
    private static Map<Integer, Long> updatedAts(KernelTable.Contents table) {
        Map<Integer, Long> out = new TreeMap<>();
        for (Map<String, Object> row : table.rows()) {
            java.time.Instant at = (java.time.Instant) row.get("updated_at");
            long updated = at.getEpochSecond() * 1_000_000L + at.getNano() / 1_000 - BASE;
            out.merge((int) (updated % 100), updated + BASE, (a, b) -> -1L);
        }
        return out;
    }

    /** Rows by their (hashed) customer id, in key order: two tables with the same rows give equal lists. */
    private static List<Map<String, Object>> byKey(KernelTable.Contents table) {
        return table.rows().stream().sorted(Comparator.comparing(r -> String.valueOf(r.get("customer_id")))).toList();
    }

    private GenericRecord row(int key, long lsn, String email) {
        GenericData.Record r = new GenericData.Record(contract.avroSchema());
        r.put("customer_id", String.format("CUST-%05d", key));
        r.put("first_name", "Alex");
        r.put("last_name", "Key" + key + "-" + lsn);
        r.put("email", email);
        r.put("state", "NSW");
        r.put("postcode", "2000");
        r.put("segment", "RETAIL");
        r.put("created_at", BASE - 1);
        r.put("updated_at", BASE + lsn * 100 + key);
        return r;
    }

    /** A change that passes; the key's expected state is its change with the highest LSN (all from one log). */
    private int change(int partition, int key, String op, long lsn) {
        send(partition, key, op, null, row(key, lsn, "k" + key + "@bank.example"), lsn);
        newest(key, lsn, false);
        return 1;
    }

    private int delete(int partition, int key, long lsn) {
        send(partition, key, "d", row(key, lsn, "k" + key + "@bank.example"), null, lsn);
        newest(key, lsn, true);
        return 1;
    }

    /** Refused by the rule email-format: the key keeps the row it had. */
    private int badEmail(int partition, int key, long lsn) {
        send(partition, key, "u", null, row(key, lsn, "not an email"), lsn);
        return 1;
    }

    /** The same change again (same source position): dropped as a duplicate. */
    private int redelivered(int partition, int key, long lsn) {
        send(partition, key, "u", null, row(key, lsn, "k" + key + "@bank.example"), lsn);
        return 1;
    }

    /** Each key's highest LSN so far. */
    private final Map<Integer, Long> newestLsn = new HashMap<>();

    private void newest(int key, long lsn, boolean delete) {
        if (newestLsn.containsKey(key) && newestLsn.get(key) >= lsn) {
            return;
        }
        newestLsn.put(key, lsn);
        if (delete) {
            expected.remove(key);
        } else {
            expected.put(key, BASE + lsn * 100 + key);
        }
    }

    private void send(int partition, int key, String op, GenericRecord before, GenericRecord after, long lsn) {
        GenericData.Record source = new GenericData.Record(envelope.getField(ChangeEvent.SOURCE).schema());
        source.put(ChangeEvent.SOURCE_CONNECTOR, "postgres");
        source.put(ChangeEvent.SOURCE_DATABASE, "crm");
        source.put(ChangeEvent.SOURCE_TABLE, "public.customers");
        source.put(ChangeEvent.SOURCE_POSITION, Long.toString(lsn));
        source.put(ChangeEvent.SOURCE_SNAPSHOT, op.equals("r"));
        GenericData.Record e = new GenericData.Record(envelope);
        e.put(ChangeEvent.OP, op);
        e.put(ChangeEvent.BEFORE, before);
        e.put(ChangeEvent.AFTER, after);
        e.put(ChangeEvent.SOURCE, source);
        e.put(ChangeEvent.CAPTURED_AT, BASE + lsn);
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(contract.rawTopic(), partition,
                String.format("CUST-%05d", key).getBytes(StandardCharsets.UTF_8), WireFormat.encode(envelopeId, envelope, e));
        record.headers().add(SpineHeaders.SOURCE_POSITION, SpineHeaders.utf8("postgres:crm:" + lsn));
        producer.send(record);
    }

    /** Records on the topic as a read_committed consumer sees them (transaction markers and aborted records not counted). */
    private static long committedRecords(SpineTestKit kit, String topic) {
        try (var consumer = new KafkaConsumer<>(kit.consumerConfig(SpineTestKit.uniqueName("count")), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts);
            long n = 0;
            while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                n += consumer.poll(Duration.ofMillis(200)).count();
            }
            return n;
        }
    }
}
