package io.meshspine.sink;

import io.meshspine.core.SpineHeaders;
import io.meshspine.core.cdc.ChangeEvent;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import io.meshspine.testkit.KernelTable;

/**
 * An upsert table applies each key's changes in source-log order, not in arrival order: a key whose changes sit in two
 * source partitions, a snapshot read mixed with streamed changes, MariaDB binlog files rolling over, and, against the
 * table, a replay of old changes that must not roll a row back. Records without a log position keep arrival order.
 * Each pair of out-of-order changes has a mirror image in the other partition, so whichever partition the sink reads
 * first, arrival order would get one of them wrong.
 */
@ExtendWith(SpineExtension.class)
class SourceOrderOnBrokerTest {

    private static final String SEQUENCE = "_source_sequence";

    @Test
    void changes_apply_in_source_order_across_partitions_snapshots_and_replays(SpineTestKit kit, @TempDir Path lake) {
        try (LakeFixture f = new LakeFixture(kit, "crm.customers", "srcorder", lake, 2)) {
            // One batch: the trigger seals at exactly this many records, so every ordering below is decided inside it.
            int firstBatch = 0;
            // A key moved between partitions: the newer change arrives in one, the older in the other.
            firstBatch += change(f, 0, "A", "A-300", pg(300), "u") + change(f, 1, "A", "A-200", pg(200), "u");
            firstBatch += change(f, 1, "B", "B-310", pg(310), "u") + change(f, 0, "B", "B-210", pg(210), "u");
            // A snapshot read at the snapshot's LSN (100) in one partition, later streamed changes in the other.
            firstBatch += change(f, 1, "C", "C-snap", pg(100), "r") + change(f, 0, "C", "C-150", pg(150), "u");
            firstBatch += change(f, 1, "D", "D-snap", pg(100), "r") + delete(f, 0, "D", pg(160));
            firstBatch += change(f, 0, "F", "F-snap", pg(100), "r") + change(f, 1, "F", "F-170", pg(170), "u");
            firstBatch += change(f, 0, "G", "G-snap", pg(100), "r") + delete(f, 1, "G", pg(180));
            firstBatch += change(f, 1, "E", "E-snap", pg(100), "r");
            // A binlog rolling over from .999999 to .1000000 (by the raw string, the older would sort later).
            firstBatch += change(f, 0, "M", "M-old", maria("mysql-bin.999999:4000:0"), "u")
                    + change(f, 1, "M", "M-new", maria("mysql-bin.1000000:120:0"), "u");
            firstBatch += change(f, 0, "N", "N-new", maria("mysql-bin.1000000:130:0"), "u")
                    + change(f, 1, "N", "N-old", maria("mysql-bin.999999:5000:2"), "u");
            // No log position (a file lane's file hash and line): the later arrival in the partition wins, as always.
            firstBatch += change(f, 0, "H", "H-first", "3fa4c1:17", null) + change(f, 0, "H", "H-second", "3fa4c1:18", null);
            f.producer.flush();

            SimpleMeterRegistry firstMeters = new SimpleMeterRegistry();
            try (SinkService sink = LakeSink.start(f.config(new BatchTrigger(firstBatch, 64L << 20, Duration.ofSeconds(60))), f.catalog(),
                    firstMeters)) {
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).until(() -> commits(f, firstMeters) >= 1);
            }
            KernelTable.Contents first = KernelTable.read(f.silverPath());
            assertThat(first.version()).as("all of it in one batch, the table's first commit").isZero();
            assertThat(state(first)).isEqualTo(new TreeMap<>(Map.of(
                    "A", "A-300", "B", "B-310", "C", "C-150", "E", "E-snap", "F", "F-170",
                    "M", "M-new", "N", "N-new", "H", "H-second")));
            Map<String, Object> sequences = sequences(first);
            assertThat(sequences.get(id("A"))).isEqualTo("postgres:crm@00000000000000000300");
            assertThat(sequences.get(id("E"))).isEqualTo("postgres:crm@00000000000000000100");
            assertThat(sequences.get(id("M"))).isEqualTo("mariadb:accounts/mysql-bin@0001000000:00000000000000000120:0000000000");
            assertThat(sequences.get(id("H"))).as("a file position is no log sequence").isNull();
            // Each partition's records reach the batch as one run, so whichever partition came first, exactly one change
            // of each mirrored pair arrived after the newer one and was dropped: A or B, C or F, D or G, M or N.
            assertThat(staleChanges(f, firstMeters)).isEqualTo(4.0);

            // Against the table: replays of old changes (an update, a delete, a snapshot re-read, an old binlog
            // position) leave the rows as they are; newer changes and a change without a position apply.
            change(f, 0, "A", "A-250-replayed", pg(250), "u");
            delete(f, 1, "B", pg(200));
            change(f, 1, "F", "F-reread", pg(120), "r");
            change(f, 0, "M", "M-replayed", maria("mysql-bin.999999:9999:0"), "u");
            change(f, 1, "C", "C-400", pg(400), "u");
            delete(f, 0, "N", maria("mysql-bin.1000000:900:1"));
            change(f, 0, "E", "E-from-file", "77aa01:3", null);
            // Last in each partition: once both are in the table, everything before them is too.
            change(f, 0, "Z0", "marker", pg(1000), "c");
            change(f, 1, "Z1", "marker", pg(1001), "c");
            f.producer.flush();
            SimpleMeterRegistry secondMeters = new SimpleMeterRegistry();
            try (SinkService sink = LakeSink.start(f.config(new BatchTrigger(10_000, 64L << 20, Duration.ofMillis(300))), f.catalog(),
                    secondMeters)) {
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
                        .until(() -> state(KernelTable.read(f.silverPath())).keySet().containsAll(java.util.List.of("Z0", "Z1")));
                // Counted once the commit that holds the markers has returned (Kernel may see its version a moment earlier).
                await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                        .untilAsserted(() -> assertThat(staleChanges(f, secondMeters)).as("A, B, F and M were older than their rows").isEqualTo(4.0));
            }
            KernelTable.Contents second = KernelTable.read(f.silverPath());
            assertThat(second.column("customer_id")).doesNotHaveDuplicates();
            assertThat(state(second)).isEqualTo(new TreeMap<>(Map.of(
                    "A", "A-300", "B", "B-310", "C", "C-400", "E", "E-from-file", "F", "F-170",
                    "M", "M-new", "H", "H-second", "Z0", "marker", "Z1", "marker")));
            Map<String, Object> after = sequences(second);
            assertThat(after.get(id("A"))).isEqualTo("postgres:crm@00000000000000000300");
            assertThat(after.get(id("C"))).isEqualTo("postgres:crm@00000000000000000400");
            assertThat(after.get(id("E"))).isNull();
        }
    }

    static String pg(long lsn) {
        return "postgres:crm:" + lsn;
    }

    private static String maria(String binlog) {
        return "mariadb:accounts:" + binlog;
    }

    private static String id(String name) {
        return "CUST-" + name;
    }

    /** A product record of the key as the gate passes it on: its op and the source position the CDC lane stamped. */
    static int change(LakeFixture f, int partition, String name, String lastName, String position, String op) {
        GenericData.Record r = new GenericData.Record(f.contract.avroSchema());
        r.put("customer_id", id(name));
        r.put("first_name", "Alex");
        r.put("last_name", lastName);
        r.put("email", name.toLowerCase() + "@bank.example");
        r.put("state", "NSW");
        r.put("postcode", "2000");
        r.put("created_at", 1_600_000_000_000_000L);
        r.put("updated_at", 1_600_000_000_000_000L);
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(f.contract.productTopic(), partition, f.key(r), f.value(r));
        headers(record, position, op);
        f.producer.send(record);
        return 1;
    }

    static int delete(LakeFixture f, int partition, String name, String position) {
        GenericRecord key = new GenericData.Record(f.contract.avroSchema());
        key.put("customer_id", id(name));
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(f.contract.productTopic(), partition, f.key(key), null);
        headers(record, position, "d");
        f.producer.send(record);
        return 1;
    }

    private static void headers(ProducerRecord<byte[], byte[]> record, String position, String op) {
        record.headers().add(new RecordHeader(SpineHeaders.SOURCE_POSITION, SpineHeaders.utf8(position)));
        if (op != null) {
            record.headers().add(new RecordHeader(ChangeEvent.OP_HEADER, SpineHeaders.utf8(op)));
        }
    }

    /** Key name (without the CUST- prefix) to last name. */
    static Map<String, String> state(KernelTable.Contents table) {
        return table.rows().stream().collect(Collectors.toMap(r -> ((String) r.get("customer_id")).substring(5),
                r -> (String) r.get("last_name"), (a, b) -> a + " AND " + b, TreeMap::new));
    }

    private static Map<String, Object> sequences(KernelTable.Contents table) {
        Map<String, Object> out = new HashMap<>();
        table.rows().forEach(r -> out.put((String) r.get("customer_id"), r.get(SEQUENCE)));
        return out;
    }

    /** The Silver table's meter (the contract's Bronze table has its own). */
    private static double commits(LakeFixture f, SimpleMeterRegistry meters) {
        var counter = meters.find("spine.sink.commits").tag("table", LakeTables.silverName(f.contract)).counter();
        return counter == null ? 0 : counter.count();
    }

    private static double staleChanges(LakeFixture f, SimpleMeterRegistry meters) {
        var counter = meters.find("spine.sink.stale.changes").tag("table", LakeTables.silverName(f.contract)).counter();
        return counter == null ? 0 : counter.count();
    }
}
