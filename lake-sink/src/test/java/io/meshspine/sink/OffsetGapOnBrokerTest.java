package io.meshspine.sink;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.meshspine.sink.internal.TableSink;
import io.meshspine.testkit.SamplePayments;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import io.meshspine.testkit.KernelTable;

/**
 * No silent gaps: when the table's offset cannot be continued in its topic (records deleted by retention before the
 * sink read them; a recreated topic), the partition is parked under a named condition with a metric and an ERROR log,
 * nothing is skipped and nothing loops, until the operator's {@code ./spine lake reset-offsets} says how to go on.
 */
@ExtendWith(SpineExtension.class)
class OffsetGapOnBrokerTest {

    private static final BatchTrigger SMALL = new BatchTrigger(100, 64L << 20, Duration.ofMillis(200));
    private final ListAppender<ILoggingEvent> errors = new ListAppender<>();

    @BeforeEach
    void captureErrors() {
        errors.start();
        ((Logger) LoggerFactory.getLogger(TableSink.class)).addAppender(errors);
    }

    @AfterEach
    void releaseErrors() {
        ((Logger) LoggerFactory.getLogger(TableSink.class)).detachAppender(errors);
    }

    @Test
    void records_deleted_by_retention_before_the_sink_read_them_park_the_partition_until_the_operator_resets_it(
            SpineTestKit kit, @TempDir Path lake) throws Exception {
        try (LakeFixture f = new LakeFixture(kit, "payments.transactions", "gap-retention", lake, 1)) {
            String topic = f.contract.productTopic();
            String table = LakeTables.silverName(f.contract);
            send(f, f.producer, 0, 300);
            try (SinkService sink = LakeSink.start(f.config(SMALL), f.catalog(), new SimpleMeterRegistry())) {
                await().atMost(Duration.ofSeconds(60)).until(() -> KernelTable.count(f.silverPath()) == 300);
            }
            send(f, f.producer, 300, 600);
            // Retention overtakes a stopped sink: offsets 300..449 go before it read them.
            kit.admin().deleteRecords(Map.of(new TopicPartition(topic, 0), RecordsToDelete.beforeOffset(450))).all().get();

            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            try (SinkService sink = LakeSink.start(f.config(SMALL), f.catalog(), meters)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> gaps(meters, table) == 1);
                assertThat(KernelTable.count(f.silverPath())).as("nothing after the gap is committed").isEqualTo(300);
                assertThat(detected(meters, table, "records-deleted-unread")).isEqualTo(1);
                assertThat(errorLines()).anySatisfy(line -> assertThat(line).contains("records-deleted-unread", "topic=" + topic,
                        "partition=0", "tableOffset=299", "topicEarliest=450", "topicLatest=600"));

                String out = resetOffsets(kit, lake, table, "earliest");
                assertThat(out).contains(topic + "-0: held up to 299, next read 450");
                await().atMost(Duration.ofSeconds(60)).until(() -> KernelTable.count(f.silverPath()) == 450);
                assertThat(gaps(meters, table)).isZero();
                assertThat(detected(meters, table, "records-deleted-unread")).as("detected once, not in a loop").isEqualTo(1);
            }
            KernelTable.Contents silver = KernelTable.read(f.silverPath());
            assertThat(silver.column("transaction_id")).doesNotHaveDuplicates().hasSize(450);
            assertThat(resetRecorded(f.silverPath())).contains("\"operation\":\"Manual Update\"", "\"operation\":\"reset-offsets\"", "\"to\":\"earliest\"", topic, "\"txnVersions\":\"0: 299 -> 449\"");
        }
    }

    @Test
    void a_recreated_topic_is_not_continued_at_the_old_topics_offsets_until_the_operator_resets_it(SpineTestKit kit, @TempDir Path lake)
            throws Exception {
        try (LakeFixture f = new LakeFixture(kit, "payments.transactions", "gap-recreated", lake, 1)) {
            String topic = f.contract.productTopic();
            String table = LakeTables.silverName(f.contract);
            send(f, f.producer, 0, 300);
            try (SinkService sink = LakeSink.start(f.config(SMALL), f.catalog(), new SimpleMeterRegistry())) {
                await().atMost(Duration.ofSeconds(60)).until(() -> KernelTable.count(f.silverPath()) == 300);
            }
            kit.admin().deleteTopics(List.of(topic)).all().get();
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
                kit.admin().createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
                return true;
            });
            // 400 records: offsets 0..399, so the table's offset 299 is inside the new topic; only its id tells.
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kit.producerConfig(), new ByteArraySerializer(), new ByteArraySerializer())) {
                send(f, producer, 1000, 1400);
            }

            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            try (SinkService sink = LakeSink.start(f.config(SMALL), f.catalog(), meters)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> gaps(meters, table) == 1);
                assertThat(detected(meters, table, "topic-recreated")).isEqualTo(1);
                assertThat(KernelTable.count(f.silverPath())).as("nothing of the new topic is committed at the old offsets").isEqualTo(300);
                assertThat(errorLines()).anySatisfy(line -> assertThat(line).contains("topic-recreated", "topic=" + topic, "partition=0",
                        "tableOffset=299", "topicEarliest=0", "topicLatest=400"));

                resetOffsets(kit, lake, table, "earliest");
                await().atMost(Duration.ofSeconds(60)).until(() -> KernelTable.count(f.silverPath()) == 700);
                assertThat(gaps(meters, table)).isZero();
            }
            assertThat(KernelTable.read(f.silverPath()).column("transaction_id")).doesNotHaveDuplicates().hasSize(700);
        }
    }

    private static void send(LakeFixture f, KafkaProducer<byte[], byte[]> producer, int from, int to) {
        SamplePayments samples = new SamplePayments(f.contract.avroSchema());
        Instant at = Instant.parse("2025-06-30T23:59:00Z");
        LongStream.range(from, to).forEach(i -> {
            GenericRecord r = samples.valid((int) i, at.plusSeconds(i));
            producer.send(new ProducerRecord<>(f.contract.productTopic(), f.key(r), f.value(r)));
        });
        producer.flush();
    }

    private static String resetOffsets(SpineTestKit kit, Path lake, String table, String to) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new LakeCommand()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        int status = cli.execute("--lake", lake.toString(), "reset-offsets", "--table", table, "--to", to,
                "--bootstrap-servers", kit.bootstrapServers());
        assertThat(status).as("reset-offsets exit status; stderr: %s", err).isZero();
        return out.toString();
    }

    /** The commit info line of the reset-offsets commit, as the Delta log holds it. */
    private static String resetRecorded(String tablePath) throws Exception {
        try (var files = Files.list(Path.of(URI.create(tablePath)).resolve("_delta_log"))) {
            for (Path file : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                for (String line : Files.readAllLines(file)) {
                    if (line.startsWith("{\"commitInfo\"") && line.contains("reset-offsets")) {
                        return line;
                    }
                }
            }
        }
        return "";
    }

    private List<String> errorLines() {
        return errors.list.stream().filter(e -> e.getLevel() == Level.ERROR).map(ILoggingEvent::getFormattedMessage).toList();
    }

    private static double gaps(SimpleMeterRegistry meters, String table) {
        Gauge g = meters.find("spine.sink.offset.gaps").tag("table", table).gauge();
        return g == null ? -1 : g.value();
    }

    private static double detected(SimpleMeterRegistry meters, String table, String condition) {
        return meters.find("spine.sink.offset.gaps.detected").tag("table", table).tag("condition", condition).counters().stream()
                .mapToDouble(c -> c.count()).sum();
    }
}
