package io.meshspine.sink;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.avro.WireFormat;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.privacy.PrivacyConfig;
import io.meshspine.core.registry.ApicurioClient;
import io.meshspine.core.registry.ContractRegistrar;
import io.meshspine.core.topic.TopicCatalogue;
import io.meshspine.core.topic.TopicProvisioner;
import io.meshspine.core.topic.Topics;
import io.meshspine.gate.ContractGateService;
import io.meshspine.gate.GateConfig;
import io.meshspine.gate.GateSettings;
import io.meshspine.gate.ProductTransform;
import io.meshspine.ingest.cdc.CaptureState;
import io.meshspine.ingest.cdc.CdcConfig;
import io.meshspine.ingest.cdc.CdcLane;
import io.meshspine.ingest.cdc.internal.ConnectorProperties;
import io.meshspine.sink.internal.BackfillJob;
import io.meshspine.testkit.ContractFixtures;
import io.meshspine.testkit.SamplePayments;
import io.meshspine.testkit.ScratchPostgres;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import io.meshspine.testkit.TopicReader;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import io.meshspine.testkit.KernelTable;

/**
 * The pii-scan of issue 16: payments through the real gate (dead-letter originals sealed) and the sink (Bronze
 * encrypted), some refused by a rule, some not records at all, then a backfill of Silver from the encrypted Bronze; and
 * a CDC run: crm.customers captured from the machine's PostgreSQL by the real CDC lane (snapshot, then streaming), one
 * customer refused by the gate (its email), one change the lane itself dead-letters (its table's capture stopped by a
 * dropped required column). Afterwards no customer id, account number, name, email or phone of the traffic is found in
 * clear in any file of the lake (Parquet data files and {@code _delta_log}, read as bytes and through Delta Kernel), on
 * the DLQ, or in what the services logged. The raw topics and the CDC lane's internal topics hold them in clear for
 * their retention (the README says so); they are not scanned.
 */
@ExtendWith(SpineExtension.class)
class PiiScanOnBrokerTest {

    private static final String HASH_KEY = "pii-scan-test-hash-key-0123456789";
    private static final int VALID = 20;
    private static final int REFUSED = 10;
    private static final int CUSTOMERS = 3;

    @Test
    void no_cleartext_pii_of_the_traffic_is_left_in_the_lake_the_dlq_or_the_logs(SpineTestKit kit, @TempDir Path dir) throws Exception {
        Contract contract = ContractFixtures.inFreshDomain(ContractCatalog.fromClasspath().find("payments.transactions", 1).orElseThrow(), "piiscan");
        Contract customers = ContractFixtures.inFreshDomain(ContractCatalog.fromClasspath().latest("crm.customers").orElseThrow(), "piiscancrm");
        ContractCatalog catalog = ContractCatalog.of(List.of(contract, customers));
        new TopicProvisioner(kit.admin(), (short) 1).provision(TopicCatalogue.of(List.of(contract, customers)).topics());
        RegistrySchemas registry = new RegistrySchemas(new ApicurioClient(kit.registryUrl()));
        long writerId = registry.contentIdFor(contract.domain(), ContractRegistrar.valueArtifact(contract.rawTopic()), contract.avroSchema());
        String run = Long.toHexString(System.nanoTime());
        List<String> pii = new ArrayList<>();

        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Logger spine = (Logger) LoggerFactory.getLogger("io.meshspine");
        Level before = spine.getLevel();
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        root.addAppender(logs);
        spine.setLevel(Level.DEBUG);
        try {
            SamplePayments samples = new SamplePayments(contract.avroSchema());
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kit.producerConfig(), new ByteArraySerializer(), new ByteArraySerializer())) {
                for (int i = 0; i < VALID + REFUSED; i++) {
                    GenericRecord r = samples.valid(i, Instant.now().minusSeconds(120));
                    String customer = "CUSTPII" + run + "X" + i;
                    String account = "ACCTPII" + run + "X" + i;
                    r.put("customer_id", customer);
                    r.put("account_number", account);
                    if (i >= VALID) {
                        r.put("currency", "aud");
                    }
                    pii.add(customer);
                    pii.add(account);
                    producer.send(new ProducerRecord<>(contract.rawTopic(), ("k" + i).getBytes(StandardCharsets.UTF_8),
                            WireFormat.encode(writerId, contract.avroSchema(), r)));
                }
                String undecodable = "not avro, customer CUSTPII" + run + "RAW";
                pii.add("CUSTPII" + run + "RAW");
                producer.send(new ProducerRecord<>(contract.rawTopic(), null, undecodable.getBytes(StandardCharsets.UTF_8)));
                producer.flush();
            }
            int raw = VALID + REFUSED + 1;

            GateConfig gateConfig = GateSettings.parse(Map.of("kafka.bootstrap.servers", kit.bootstrapServers(), "registry.url", kit.registryUrl(),
                    "gate.hash-key", HASH_KEY, "gate.application-id", SpineTestKit.uniqueName("scan-gate"), "gate.state-dir", dir.resolve("state").toString()));
            assertThat(gateConfig.privacy().encryptDeadLetters()).as("on unless configured off").isTrue();
            Path lake = dir.resolve("lake");
            SinkConfig sinkConfig = SinkConfig.defaults(kit.bootstrapServers(), kit.registryUrl()).withLakeRoot(lake.toString())
                    .withGroupId(SpineTestKit.uniqueName("scan-sink")).withTrigger(new BatchTrigger(50, 64L << 20, Duration.ofMillis(300)))
                    .withTableTriggers(Map.of()).withPrivacy(PrivacyConfig.DEMO);
            String bronze = LakeTables.path(lake.toString(), LakeTables.bronzeName(contract));
            String silver = LakeTables.path(lake.toString(), LakeTables.silverName(contract));
            String crmBronze = LakeTables.path(lake.toString(), LakeTables.bronzeName(customers));
            String crmSilver = LakeTables.path(lake.toString(), LakeTables.silverName(customers));
            try (ScratchPostgres db = new ScratchPostgres("piiscan")) {
                // The CDC run: customers in the table before the capture starts (its snapshot), one with an email the gate refuses.
                CdcConfig cdcConfig = CdcConfig.defaults(kit.bootstrapServers(), kit.registryUrl()).withDatabase(customers.id(), db.name())
                        .withOffsetFlushInterval(Duration.ZERO).withPrivacy(PrivacyConfig.DEMO);
                db.dropsSlot(ConnectorProperties.slotName(cdcConfig, customers));
                for (int i = 0; i < CUSTOMERS + 1; i++) {
                    String id = "CRMPII" + run + "X" + i;
                    String email = i < CUSTOMERS ? "mailpii" + run + "x" + i + "@example.com" : "notanemailpii" + run;
                    String first = "FirstPii" + run + "X" + i;
                    String last = "LastPii" + run + "X" + i;
                    String phone = "0499" + run + i;
                    pii.addAll(List.of(id, email, first, last, phone));
                    db.execute(ScratchPostgres.insertCustomer(id, first, last, email, phone));
                }
                try (ContractGateService gate = ContractGateService.start(gateConfig, catalog, new SimpleMeterRegistry(), ProductTransform.NONE);
                     SinkService sink = LakeSink.start(sinkConfig, catalog, new SimpleMeterRegistry());
                     CdcLane cdc = CdcLane.start(cdcConfig, List.of(customers), new SimpleMeterRegistry())) {
                    await("Bronze and Silver complete").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                            .until(() -> KernelTable.count(bronze) == raw && KernelTable.count(silver) == VALID
                                    && KernelTable.count(crmBronze) == CUSTOMERS + 1 && KernelTable.count(crmSilver) == CUSTOMERS);
                    // Streaming: a change the lane cannot turn into a raw record (a required column dropped) goes to the DLQ.
                    String late = "CRMPII" + run + "LATE";
                    String lateEmail = "latepii" + run + "@example.com";
                    pii.addAll(List.of(late, lateEmail));
                    db.execute("ALTER TABLE public.customers DROP COLUMN last_name", "INSERT INTO public.customers (customer_id, first_name, email)"
                            + " VALUES ('" + late + "', 'Grace', '" + lateEmail + "')");
                    await("the lane stops the table").atMost(Duration.ofSeconds(60))
                            .until(() -> cdc.state(customers.qualifiedName()).orElseThrow() == CaptureState.STOPPED_INCOMPATIBLE);
                    try (TopicReader dlq = new TopicReader(kit, Topics.DLQ)) {
                        await("the lane's dead letter is on the DLQ").atMost(Duration.ofSeconds(60)).until(() -> dlq.poll().stream()
                                .anyMatch(r -> contains(r.value(), customers.qualifiedName()) && contains(r.value(), "cdc-lane")));
                    }
                }
            }

            // A backfill reads the encrypted Bronze back (decrypting it) and comes to the same Silver.
            String rebuilt = dir.resolve("rebuilt").toString();
            BackfillJob.Summary summary = Backfill.run(contract, gateConfig, new Backfill.Options(lake.toString(), rebuilt, null, null, false),
                    BackfillJob.Progress.NONE);
            assertThat(summary.passed()).isEqualTo(VALID);
            assertThat(summary.deadLettered()).isEqualTo(REFUSED + 1);
            assertThat(KernelTable.count(rebuilt)).isEqualTo(VALID);

            // The lake: every file as bytes (the _delta_log's JSON and statistics included), and every value as read.
            List<Path> files;
            try (Stream<Path> walk = Files.walk(dir)) {
                files = walk.filter(Files::isRegularFile).filter(p -> !p.startsWith(dir.resolve("state"))).toList();
            }
            assertThat(files).anyMatch(p -> p.toString().contains("_delta_log")).anyMatch(p -> p.toString().endsWith(".parquet"));
            for (Path file : files) {
                String text = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
                assertThat(pii).as("cleartext PII in %s", file).noneMatch(text::contains);
            }
            for (String table : List.of(bronze, silver, rebuilt, crmBronze, crmSilver)) {
                for (Map<String, Object> row : KernelTable.read(table).rows()) {
                    String values = text(row);
                    assertThat(pii).as("cleartext PII in a row of %s", table).noneMatch(values::contains);
                }
            }

            // The DLQ: the gate's and the backfill's dead letters of this traffic, keys and values.
            try (TopicReader dlq = new TopicReader(kit, Topics.DLQ)) {
                List<ConsumerRecord<byte[], byte[]>> all = dlq.drain();
                assertThat(all.stream().filter(r -> contains(r.value(), contract.qualifiedName()))).hasSizeGreaterThanOrEqualTo(2 * (REFUSED + 1));
                // crm: the gate's refused email and the lane's dead letter of the change after the dropped column.
                assertThat(all.stream().filter(r -> contains(r.value(), customers.qualifiedName()))).hasSizeGreaterThanOrEqualTo(2);
                for (ConsumerRecord<byte[], byte[]> r : all) {
                    assertThat(pii).as("cleartext PII on %s at %d/%d", Topics.DLQ, r.partition(), r.offset())
                            .noneMatch(p -> contains(r.key(), p) || contains(r.value(), p));
                }
            }
        } finally {
            root.detachAppender(logs);
            spine.setLevel(before);
        }
        // The logs of the gate, the sink, the CDC lane (Debezium's own included) and the backfill.
        assertThat(logs.list).isNotEmpty();
        for (ILoggingEvent e : logs.list) {
            String line = e.getFormattedMessage() + " " + e.getKeyValuePairs() + " " + throwable(e.getThrowableProxy());
            assertThat(pii).as("cleartext PII logged by %s: %s", e.getLoggerName(), e.getMessage()).noneMatch(line::contains);
        }
    }

    private static String text(Object value) {
        if (value instanceof byte[] b) {
            return new String(b, StandardCharsets.ISO_8859_1);
        }
        if (value instanceof Map<?, ?> m) {
            StringBuilder out = new StringBuilder();
            m.values().forEach(v -> out.append(text(v)).append('\u0000'));
            return out.toString();
        }
        if (value instanceof List<?> l) {
            StringBuilder out = new StringBuilder();
            l.forEach(v -> out.append(text(v)).append('\u0000'));
            return out.toString();
        }
        return String.valueOf(value);
    }

    private static boolean contains(byte[] bytes, String s) {
        return bytes != null && new String(bytes, StandardCharsets.ISO_8859_1).contains(s);
    }

    private static String throwable(IThrowableProxy t) {
        StringBuilder out = new StringBuilder();
        for (IThrowableProxy p = t; p != null; p = p.getCause()) {
            out.append(p.getClassName()).append(": ").append(p.getMessage()).append(' ');
        }
        return out.toString();
    }
}
