package io.meshspine.sink;

import io.meshspine.core.avro.WireFormat;
import io.meshspine.core.cdc.ChangeEvent;
import io.meshspine.core.registry.ContractRegistrar;
import io.meshspine.sink.internal.BronzeRows;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import io.meshspine.testkit.KernelTable;

/** CDC into the lake: an upsert Silver table ends as the latest state per business key; Bronze keeps each change's row and op. */
@ExtendWith(SpineExtension.class)
class UpsertOnBrokerTest {

    /** The expected final state: customer id to "last_name|email". */
    private final Map<String, String> expected = new TreeMap<>();
    private long clock = 1_700_000_000_000_000L;

    @Test
    void inserts_updates_deletes_and_reinserts_end_as_the_latest_state_per_key(SpineTestKit kit, @TempDir Path lake) {
        try (LakeFixture f = new LakeFixture(kit, "crm.customers", "upsert", lake, 2)) {
            BatchTrigger trigger = new BatchTrigger(10_000, 64L << 20, Duration.ofMillis(300));
            for (int i = 0; i < 60; i++) {
                upsert(f, id(i), "Initial" + i, "c" + i + "@bank.example");
            }
            f.producer.flush();
            try (SinkService sink = LakeSink.start(f.config(trigger), f.catalog(), new SimpleMeterRegistry())) {
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).until(() -> KernelTable.count(f.silverPath()) == 60);
            }

            // Written while no sink runs, so the next one reads all of it in one batch: several changes per key.
            upsert(f, id(1), "Smith", "one@bank.example");
            upsert(f, id(1), "Smith", "two@bank.example");
            upsert(f, id(1), "Smith", "three@bank.example");
            delete(f, id(2));
            delete(f, id(3));
            upsert(f, id(3), "Reborn", "back@bank.example");
            upsert(f, id(4), "Brief", "brief@bank.example");
            delete(f, id(4));
            delete(f, id(5));
            upsert(f, id(5), "Again", "again@bank.example");
            upsert(f, id(5), "Again", "again2@bank.example");
            for (int i = 100; i < 110; i++) {
                upsert(f, id(i), "New" + i, "n" + i + "@bank.example");
            }
            upsert(f, id(100), "New100", "changed@bank.example");
            f.producer.flush();
            try (SinkService sink = LakeSink.start(f.config(trigger), f.catalog(), new SimpleMeterRegistry())) {
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).until(() -> state(f).equals(expected));

                // And across batches: a deleted key comes back, another goes.
                upsert(f, id(2), "Returned", "returned@bank.example");
                delete(f, id(1));
                f.producer.flush();
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).until(() -> state(f).equals(expected));

                // Copy-on-write touches only files whose key range can hold a batch key: keys above every existing
                // key add a file and rewrite none; a change among them rewrites that file alone.
                List<String> before = KernelTable.read(f.silverPath()).paths();
                for (int i = 0; i < 5; i++) {
                    upsert(f, "ZZZ-" + i, "Late" + i, "late" + i + "@bank.example");
                }
                f.producer.flush();
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).until(() -> state(f).equals(expected));
                List<String> withLate = KernelTable.read(f.silverPath()).paths();
                assertThat(withLate).containsAll(before).hasSize(before.size() + 1);
                upsert(f, "ZZZ-3", "Later", "later@bank.example");
                f.producer.flush();
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).until(() -> state(f).equals(expected));
                List<String> afterLateChange = KernelTable.read(f.silverPath()).paths();
                assertThat(afterLateChange).containsAll(before).hasSize(withLate.size()).doesNotContainAnyElementsOf(
                        withLate.stream().filter(p -> !before.contains(p)).toList());
            }
            KernelTable.Contents table = KernelTable.read(f.silverPath());
            assertThat(table.column("customer_id")).doesNotHaveDuplicates().hasSize(expected.size());
            assertThat(state(f)).isEqualTo(expected);
            assertThat(expected).doesNotContainKeys(id(1), id(4)).containsKeys(id(2), id(3), id(5));
            assertThat(KernelTable.count(f.bronzePath())).as("no raw records were sent, so no Bronze commit").isEqualTo(-1);
        }
    }

    @Test
    void change_events_on_a_cdc_raw_topic_land_in_bronze_as_their_row_with_the_op(SpineTestKit kit, @TempDir Path lake) {
        try (LakeFixture f = new LakeFixture(kit, "crm.customers", "cdcbronze", lake, 1)) {
            Schema envelope = ChangeEvent.envelope(f.contract.avroSchema());
            long envelopeId = f.registry.contentIdFor(f.contract.domain(), ContractRegistrar.valueArtifact(f.contract.rawTopic()), envelope);
            GenericRecord created = customer(f, "CUST-1", "First");
            GenericRecord updated = customer(f, "CUST-1", "Second");
            f.sendRaw(f.key(created), WireFormat.encode(envelopeId, envelope, change(envelope, "c", null, created, 1)));
            f.sendRaw(f.key(created), WireFormat.encode(envelopeId, envelope, change(envelope, "u", created, updated, 2)));
            f.sendRaw(f.key(created), WireFormat.encode(envelopeId, envelope, change(envelope, "d", updated, null, 3)));
            f.producer.flush();
            try (SinkService sink = LakeSink.start(f.config(new BatchTrigger(100, 64L << 20, Duration.ofMillis(300))), f.catalog(),
                    new SimpleMeterRegistry())) {
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).until(() -> KernelTable.count(f.bronzePath()) == 3);
            }
            List<Map<String, Object>> rows = KernelTable.read(f.bronzePath()).rows().stream()
                    .sorted(java.util.Comparator.comparing(r -> (Long) r.get(BronzeRows.OFFSET))).toList();
            assertThat(rows).extracting(r -> r.get(BronzeRows.OP)).containsExactly("c", "u", "d");
            assertThat(rows).extracting(r -> r.get("last_name")).containsExactly("First", "Second", "Second");
            assertThat(rows).extracting(r -> r.get("customer_id")).containsOnly("CUST-1");
            assertThat(rows).extracting(r -> r.get(BronzeRows.DECODE_ERROR)).containsOnlyNulls();
            assertThat(rows).extracting(r -> r.get(BronzeRows.SCHEMA_ID)).containsOnly(envelopeId);
        }
    }

    private static GenericRecord customer(LakeFixture f, String id, String lastName) {
        GenericData.Record r = new GenericData.Record(f.contract.avroSchema());
        r.put("customer_id", id);
        r.put("first_name", "Alex");
        r.put("last_name", lastName);
        r.put("created_at", 1_600_000_000_000_000L);
        r.put("updated_at", 1_600_000_000_000_000L);
        return r;
    }

    private static GenericRecord change(Schema envelope, String op, GenericRecord before, GenericRecord after, long position) {
        GenericData.Record source = new GenericData.Record(envelope.getField(ChangeEvent.SOURCE).schema());
        source.put(ChangeEvent.SOURCE_CONNECTOR, "postgres");
        source.put(ChangeEvent.SOURCE_DATABASE, "crm");
        source.put(ChangeEvent.SOURCE_TABLE, "public.customers");
        source.put(ChangeEvent.SOURCE_POSITION, Long.toString(position));
        source.put(ChangeEvent.SOURCE_SNAPSHOT, false);
        GenericData.Record e = new GenericData.Record(envelope);
        e.put(ChangeEvent.OP, op);
        e.put(ChangeEvent.BEFORE, before);
        e.put(ChangeEvent.AFTER, after);
        e.put(ChangeEvent.SOURCE, source);
        e.put(ChangeEvent.CAPTURED_AT, 1_700_000_000_000_000L + position);
        return e;
    }

    private static String id(int i) {
        return String.format("CUST-%05d", i);
    }

    private void upsert(LakeFixture f, String id, String lastName, String email) {
        GenericData.Record r = new GenericData.Record(f.contract.avroSchema());
        r.put("customer_id", id);
        r.put("first_name", "Alex");
        r.put("last_name", lastName);
        r.put("email", email);
        r.put("state", "NSW");
        r.put("postcode", "2000");
        r.put("created_at", 1_600_000_000_000_000L);
        r.put("updated_at", clock++);
        f.sendProduct(r);
        expected.put(id, lastName + "|" + email);
    }

    private void delete(LakeFixture f, String id) {
        GenericRecord key = new GenericData.Record(f.contract.avroSchema());
        key.put("customer_id", id);
        f.sendDelete(key);
        expected.remove(id);
    }

    private static Map<String, String> state(LakeFixture f) {
        return KernelTable.read(f.silverPath()).rows().stream().collect(Collectors.toMap(r -> (String) r.get("customer_id"),
                r -> r.get("last_name") + "|" + r.get("email"), (a, b) -> a + " AND " + b, TreeMap::new));
    }
}
