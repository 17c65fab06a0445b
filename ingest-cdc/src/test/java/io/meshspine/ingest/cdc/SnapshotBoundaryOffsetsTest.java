package io.meshspine.ingest.cdc;

import io.meshspine.core.contract.Contract;
import io.meshspine.core.topic.Topics;
import io.meshspine.ingest.cdc.internal.ConnectorProperties;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerInterceptor;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerInterceptor;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The offsets a crash resumes from are on record at a snapshot's two boundaries (internal.SnapshotBoundaries): a
 * database's first snapshot stores the position it began at before its first read reaches the raw topic (so a lane
 * killed before the engine's first regular flush resumes that snapshot instead of snapshotting afresh at the log's
 * current position), and the snapshot's completion is stored before the first streamed change is sent (so a lane
 * killed after streaming began does not resume the snapshot and repeat, as reads, changes it already streamed). The
 * lane's sends to the raw topic are held (a producer interceptor given to the lane's Kafka clients as an operator's
 * {@code kafka.*} setting would be) while the test reads {@code spine.cdc.offsets}; the regular flush is 10 minutes
 * away, so without the two flushes the offsets topic holds nothing, then only the running snapshot.
 */
@ExtendWith(SpineExtension.class)
class SnapshotBoundaryOffsetsTest {

    @AfterEach
    void release() {
        RawTopicHold.release();
    }

    @Test
    void postgres_first_snapshot_stores_its_running_position_before_its_first_read_is_sent(SpineTestKit kit) {
        Contract customers = CdcContracts.customers(kit, "customers");
        try (PostgresTestDatabase db = new PostgresTestDatabase()) {
            db.execute(PostgresTestDatabase.insert("C1", "Ada", "Lovelace", "ada@example.com"),
                    PostgresTestDatabase.insert("C2", "Alan", "Turing", "alan@example.com"),
                    PostgresTestDatabase.insert("C3", "Grace", "Hopper", "grace@example.com"));
            CdcConfig config = held(kit, customers).withDatabase(customers.id(), db.name());
            db.dropsSlot(ConnectorProperties.slotName(config, customers));
            String engine = ConnectorProperties.engineName(config, new CaptureSource(io.meshspine.core.contract.CdcConnector.POSTGRES, db.name()));
            assertStoredBeforeSent(kit, config, customers, engine, 3,
                () -> db.execute(PostgresTestDatabase.insert("C4", "Edsger", "Dijkstra", "edsger@example.com")),
                completed -> assertThat(completed).contains("\"last_snapshot_record\":true"));
        }
    }

    @Test
    void mariadb_first_snapshot_stores_its_running_position_before_its_first_read_is_sent(SpineTestKit kit) {
        Contract services = CdcContracts.services(kit, "services");
        try (MariaDbTestDatabase db = new MariaDbTestDatabase()) {
            db.createServices("services");
            db.execute(db.insert("services", 1, "ACTIVE", "1.00"), db.insert("services", 2, "ACTIVE", "2.00"),
                    db.insert("services", 3, "PENDING", "NULL"));
            CdcConfig config = held(kit, services).withDatabase(services.id(), db.name());
            String engine = ConnectorProperties.engineName(config, new CaptureSource(io.meshspine.core.contract.CdcConnector.MARIADB, db.name()));
            assertStoredBeforeSent(kit, config, services, engine, 3, () -> db.execute(db.insert("services", 4, "ACTIVE", "4.00")),
                    completed -> assertThat(completed).doesNotContain("\"snapshot\""));
        }
    }

    /** The lane's settings, its sends to the contract's raw topic held; the regular flush far away. */
    private static CdcConfig held(SpineTestKit kit, Contract contract) {
        RawTopicHold.hold(contract.rawTopic());
        return CdcConfig.defaults(kit.bootstrapServers(), kit.registryUrl()).withName(SpineTestKit.uniqueName("first-offset"))
                .withOffsetFlushInterval(Duration.ofMinutes(10))
                .withKafkaClient(Map.of("interceptor.classes", RawTopicHold.class.getName()));
    }

    private static void assertStoredBeforeSent(SpineTestKit kit, CdcConfig config, Contract contract, String engine, int rows,
                                               Runnable change, java.util.function.Consumer<String> completedOffset) {
        try (CdcLane lane = CdcLane.start(config, List.of(contract), new SimpleMeterRegistry())) {
            await().atMost(Duration.ofSeconds(60)).until(RawTopicHold::holding);
            List<String> stored = new ArrayList<>();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                stored.clear();
                stored.addAll(storedOffsets(kit, engine));
                assertThat(stored).as("offsets stored for %s while its first read is held", engine).isNotEmpty();
            });
            assertThat(stored.get(stored.size() - 1)).as("the stored offset marks the snapshot running").contains("\"snapshot\"")
                    .doesNotContain("\"last_snapshot_record\":true");
            assertThat(recordsIn(kit, contract.rawTopic())).as("nothing sent to the raw topic yet").isZero();
            RawTopicHold.release();
            assertThat(new ChangeRecords(kit, contract).await(rows)).hasSize(rows).allSatisfy(c -> assertThat(c.op()).isEqualTo("r"));

            // The first streamed change held: the snapshot's completion must be on record by then.
            RawTopicHold.hold(contract.rawTopic());
            change.run();
            await().atMost(Duration.ofSeconds(60)).until(RawTopicHold::holding);
            List<String> now = storedOffsets(kit, engine);
            System.out.println("offsets stored for " + engine + " while its first streamed change is held: " + now);
            assertThat(now).as("offsets stored while the first streamed change is held").hasSizeGreaterThan(stored.size());
            completedOffset.accept(now.get(now.size() - 1));
            RawTopicHold.release();
            assertThat(new ChangeRecords(kit, contract).await(rows + 1).get(rows).op()).isEqualTo("c");
        }
    }

    private static long recordsIn(SpineTestKit kit, String topic) {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(kit.consumerConfig(SpineTestKit.uniqueName("count")),
                new StringDeserializer(), new StringDeserializer())) {
            return consumer.endOffsets(consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList())
                    .values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** The values {@code spine.cdc.offsets} holds for the engine, oldest first. */
    private static List<String> storedOffsets(SpineTestKit kit, String engine) {
        Map<String, Object> props = kit.consumerConfig(SpineTestKit.uniqueName("offsets-reader"));
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.CDC_OFFSETS).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.key() != null && r.key().contains("\"" + engine + "\"") && r.value() != null) {
                        values.add(r.value());
                    }
                }
            }
        }
        return values;
    }

    /**
     * Holds every send to one topic in the sending thread until released; the lane's other clients (Debezium's offset
     * store and schema history, which get the same settings) pass.
     */
    public static final class RawTopicHold implements ProducerInterceptor<Object, Object>, ConsumerInterceptor<Object, Object> {

        private static volatile String topic;
        private static volatile CountDownLatch gate = new CountDownLatch(0);
        private static volatile boolean holding;

        static void hold(String held) {
            topic = held;
            gate = new CountDownLatch(1);
            holding = false;
        }

        static void release() {
            gate.countDown();
        }

        static boolean holding() {
            return holding;
        }

        @Override
        public ProducerRecord<Object, Object> onSend(ProducerRecord<Object, Object> record) {
            if (record.topic().equals(topic)) {
                holding = true;
                try {
                    if (!gate.await(2, TimeUnit.MINUTES)) {
                        throw new IllegalStateException("held send to " + topic + " never released");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return record;
        }

        @Override
        public void onAcknowledgement(RecordMetadata metadata, Exception exception) {
        }

        @Override
        public ConsumerRecords<Object, Object> onConsume(ConsumerRecords<Object, Object> records) {
            return records;
        }

        @Override
        public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {
        }

        @Override
        public void close() {
        }

        @Override
        public void configure(Map<String, ?> configs) {
        }
    }
}
