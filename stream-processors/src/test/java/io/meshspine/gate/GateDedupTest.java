package io.meshspine.gate;

import io.meshspine.core.SpineHeaders;
import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.avro.WireFormat;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.contract.EventIdentity;
import io.meshspine.core.registry.ApicurioClient;
import io.meshspine.core.registry.ContractRegistrar;
import io.meshspine.core.topic.Topics;
import io.meshspine.testkit.ContractFixtures;
import io.meshspine.testkit.SamplePayments;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gate's dedup guarantee, driven with TopologyTestDriver against the real registry: a record never reaches its
 * product topic twice, whatever timestamps it carries, and the window runs on the gate's own clock.
 */
@ExtendWith(SpineExtension.class)
class GateDedupTest {

    private static final Instant NOW = Instant.parse("2026-12-01T09:30:00Z");
    private static final byte[] HASH_KEY = "0123456789abcdef-dedup-test-key".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path state;

    private final AtomicLong clock = new AtomicLong(NOW.toEpochMilli());
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private Contract contract;
    private SamplePayments samples;
    private RegistrySchemas registry;
    private long writerId;
    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> raw;
    private TestOutputTopic<byte[], byte[]> product;
    private TestOutputTopic<byte[], byte[]> dlq;

    private void start(SpineTestKit kit, Contract c, Duration window) {
        contract = c;
        samples = new SamplePayments(c.avroSchema());
        registry = new RegistrySchemas(new ApicurioClient(kit.registryUrl()));
        writerId = registry.contentIdFor(c.domain(), ContractRegistrar.valueArtifact(c.rawTopic()), c.avroSchema());
        GateConfig config = GateSettings.parse(Map.of("registry.url", kit.registryUrl(), "privacy.encrypt-dead-letters", "false", "gate.hash-key",
                new String(HASH_KEY, StandardCharsets.UTF_8), "gate.state-dir", state.toString(), "gate.dedup-window", window.toString()));
        ContractCatalog catalog = ContractCatalog.of(List.of(c));
        var runtime = ContractGateService.runtime(config, catalog, new GateMetrics(meters, Duration.ofMinutes(5)), ProductTransform.NONE, clock::get);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "gate-dedup-ttd");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
        props.put(StreamsConfig.DEFAULT_TIMESTAMP_EXTRACTOR_CLASS_CONFIG, ContractGateService.AnyTimestamp.class);
        driver = new TopologyTestDriver(GateTopology.buildTopology(config, catalog, runtime), props, NOW);
        raw = driver.createInputTopic(c.rawTopic(), new ByteArraySerializer(), new ByteArraySerializer());
        product = driver.createOutputTopic(c.productTopic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        dlq = driver.createOutputTopic(Topics.DLQ, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private static Contract payments(String prefix) {
        return ContractFixtures.inFreshDomain(ContractCatalog.fromClasspath().find("payments.transactions", 1).orElseThrow(), prefix);
    }

    /** The payments contract as a contract without {@code dedup.fields}: its events are known by their content. */
    private static Contract withoutEventIdentity(Contract c) {
        Contract plain = new Contract(c.id(), c.version(), c.majorVersion(), c.domain(), c.dataProduct(), c.purpose(), c.team(),
                c.classification(), c.avroSchema(), c.keys(), c.source(), c.pii(), c.rules(), c.slos(), c.sink(), c.compatibility(), c.location());
        assertThat(plain.dedup()).isEqualTo(EventIdentity.NONE);
        return plain;
    }

    @AfterEach
    void stop() {
        if (driver != null) {
            driver.close();
        }
    }

    @Test
    void re_deliveries_are_dropped_whatever_their_timestamps_years_old_at_the_future_limit_or_mixed_in_one_partition(SpineTestKit kit) {
        start(kit, payments("ts"), Duration.ofDays(7));
        Instant yearsAgo = Instant.parse("2019-03-04T05:06:07Z");
        Instant futureLimit = NOW.plus(Duration.ofMinutes(59));
        List<Instant> stamps = List.of(yearsAgo, futureLimit, NOW, yearsAgo.plusSeconds(1), NOW.minus(Duration.ofDays(3650)), futureLimit.minusSeconds(1));
        List<byte[]> values = new ArrayList<>();
        for (int i = 0; i < stamps.size(); i++) {
            values.add(encode(samples.valid(i, NOW.minusSeconds(60))));
            pipe(values.get(i), position("file:abc:" + i), stamps.get(i));
        }
        // Re-delivered in another order, each with another timestamp (the newest first, then the oldest), interleaved with new records.
        for (int i = stamps.size() - 1; i >= 0; i--) {
            pipe(values.get(i), position("file:abc:" + i), stamps.get(stamps.size() - 1 - i));
            pipe(values.get(i), position("file:abc:" + i), Instant.EPOCH);
        }
        pipe(encode(samples.valid(100, NOW.minusSeconds(60))), position("file:abc:100"), yearsAgo);

        List<String> ids = productIds();
        assertThat(ids).hasSize(stamps.size() + 1).doesNotHaveDuplicates();
        assertThat(dlq.isEmpty()).isTrue();
    }

    @Test
    void a_record_without_a_timestamp_passes_once_and_its_re_delivery_is_dropped(SpineTestKit kit) {
        start(kit, payments("nots"), Duration.ofDays(7));
        byte[] value = encode(samples.valid(1, NOW.minusSeconds(60)));
        raw.pipeInput(new TestRecord<>("k".getBytes(StandardCharsets.UTF_8), value, position("cdc:db:1"), (Instant) null));
        raw.pipeInput(new TestRecord<>("k".getBytes(StandardCharsets.UTF_8), value, position("cdc:db:1"), (Instant) null));

        assertThat(product.readRecordsToList()).hasSize(1);
        // What the broker hands over for a record written without one (an old message format): read as the time it is read,
        // neither failing the stream thread (Kafka's default) nor skipping the record.
        var noTimestamp = new org.apache.kafka.clients.consumer.ConsumerRecord<Object, Object>("t", 0, 0L, null, value);
        assertThat(noTimestamp.timestamp()).isNegative();
        assertThat(new ContractGateService.AnyTimestamp().extract(noTimestamp, 0L)).isPositive();
    }

    @Test
    void events_re_sent_with_the_same_event_identity_are_one_event_even_with_other_content(SpineTestKit kit) {
        start(kit, payments("fields"), Duration.ofDays(7));
        assertThat(contract.dedup().fields()).containsExactly("transaction_id");
        GenericRecord first = samples.valid(1, NOW.minusSeconds(60));
        GenericRecord resent = samples.valid(1, NOW.minusSeconds(60));
        resent.put("merchant_name", "a field the producer changed on re-send");
        pipe(encode(first), new RecordHeaders(), NOW);
        pipe(encode(resent), new RecordHeaders(), NOW.minus(Duration.ofDays(400)));
        pipe(encode(samples.valid(2, NOW.minusSeconds(60))), new RecordHeaders(), NOW);

        assertThat(productIds()).containsExactly(first.get("transaction_id").toString(), samples.valid(2, NOW).get("transaction_id").toString());
    }

    @Test
    void without_an_event_identity_the_decoded_content_identifies_an_event_under_any_writer_schema(SpineTestKit kit) {
        start(kit, withoutEventIdentity(payments("content")), Duration.ofDays(7));
        Schema newer = GateFixture.withOptionalField(contract.avroSchema(), "loyalty_tier", Schema.Type.STRING);
        long newerId = registry.contentIdFor(contract.domain(), ContractRegistrar.valueArtifact(contract.rawTopic()), newer);
        GenericRecord payment = samples.valid(1, NOW.minusSeconds(60));
        pipe(encode(payment), new RecordHeaders(), NOW);
        // The same event re-sent by a producer that moved to a newer (compatible) writer schema: same content as read.
        pipe(WireFormat.encode(newerId, newer, GateFixture.copyInto(payment, newer)), new RecordHeaders(), NOW);
        // Another event: the same transaction, changed content, so without dedup.fields it is a new event.
        GenericRecord changed = samples.valid(1, NOW.minusSeconds(60));
        changed.put("merchant_name", "changed");
        pipe(encode(changed), new RecordHeaders(), NOW);

        assertThat(product.readRecordsToList()).hasSize(2);
    }

    @Test
    void a_replay_of_a_record_that_passed_is_dropped_and_a_repaired_dead_letter_passes(SpineTestKit kit) {
        start(kit, payments("replay"), Duration.ofDays(7));
        GenericRecord good = samples.valid(1, NOW.minusSeconds(60));
        pipe(encode(good), position("mariadb:db:bin.000001:100:0"), NOW);
        GenericRecord bad = samples.valid(2, NOW.minusSeconds(60));
        bad.put("amount", SamplePayments.money("0.00"));
        bad.put("fee_amount", null);
        pipe(encode(bad), new RecordHeaders(), NOW);
        assertThat(productIds()).containsExactly(good.get("transaction_id").toString());
        assertThat(dlq.readRecordsToList()).hasSize(1);

        // A steward replays both: the one that passed (its original headers, years-old timestamp) and the repaired one.
        Headers replayOfGood = position("mariadb:db:bin.000001:100:0").add(SpineHeaders.REPLAY_OF, SpineHeaders.utf8("dl-1"))
                .add(SpineHeaders.REPLAY_COUNT, SpineHeaders.utf8("1"));
        pipe(encode(good), replayOfGood, Instant.parse("2020-01-01T00:00:00Z"));
        bad.put("amount", SamplePayments.money("12.50"));
        pipe(encode(bad), new RecordHeaders().add(SpineHeaders.REPLAY_OF, SpineHeaders.utf8("dl-2")), NOW);

        assertThat(productIds()).containsExactly(bad.get("transaction_id").toString());
        assertThat(dlq.isEmpty()).isTrue();
    }

    @Test
    void a_re_delivered_bad_record_is_dead_lettered_once_while_replays_of_its_dead_letter_are_judged_and_pass_once(SpineTestKit kit) {
        start(kit, payments("badredelivery"), Duration.ofDays(7));
        GenericRecord bad = samples.valid(1, NOW.minusSeconds(60));
        bad.put("amount", SamplePayments.money("0.00"));
        bad.put("fee_amount", null);
        String at = "postgres:crm:0/16B3748";
        pipe(encode(bad), position(at), NOW);
        // The source re-delivers it after a crash (same position), twice, with other timestamps.
        pipe(encode(bad), position(at), NOW.minus(Duration.ofDays(30)));
        pipe(encode(bad), position(at), NOW);
        assertThat(dlq.readRecordsToList()).as("one dead letter for one bad change").hasSize(1);
        assertThat(deduplicated("dead_lettered")).isEqualTo(2);

        // A steward replays the dead letter unrepaired (the rule was wrong, say, but is not fixed yet): judged again, not
        // taken for a duplicate of its own dead letter.
        pipe(encode(bad), replay(at, "dl-1", 1), NOW);
        assertThat(dlq.readRecordsToList()).as("a replay that still breaks the rule is a dead letter again").hasSize(1);
        // Repaired and replayed: passes; replayed a second time: dropped (it passed); the source's re-delivery: dropped.
        GenericRecord repaired = samples.valid(1, NOW.minusSeconds(60));
        repaired.put("amount", SamplePayments.money("12.50"));
        repaired.put("fee_amount", null);
        pipe(encode(repaired), replay(at, "dl-2", 2), NOW);
        pipe(encode(repaired), replay(at, "dl-2", 2), NOW);
        pipe(encode(bad), position(at), NOW);

        assertThat(productIds()).containsExactly(repaired.get("transaction_id").toString());
        assertThat(dlq.isEmpty()).isTrue();
        assertThat(deduplicated("passed")).isEqualTo(2);
        assertThat(deduplicated("dead_lettered")).isEqualTo(2);
    }

    @Test
    void a_bad_event_re_sent_with_the_same_event_identity_is_one_dead_letter_and_a_new_event_id_is_judged_anew(SpineTestKit kit) {
        start(kit, payments("badresend"), Duration.ofDays(7));
        GenericRecord bad = samples.valid(1, NOW.minusSeconds(60));
        bad.put("currency", "XXZ");
        pipe(encode(bad), new RecordHeaders(), NOW);
        pipe(encode(bad), new RecordHeaders(), NOW); // a producer that timed out and sent it again
        GenericRecord other = samples.valid(2, NOW.minusSeconds(60));
        other.put("currency", "XXZ");
        pipe(encode(other), new RecordHeaders(), NOW);

        assertThat(dlq.readRecordsToList()).hasSize(2);
        assertThat(product.isEmpty()).isTrue();
        assertThat(deduplicated("dead_lettered")).isEqualTo(1);
    }

    @Test
    void identities_are_forgotten_after_the_window_of_the_gates_own_clock_not_of_the_records_timestamps(SpineTestKit kit) {
        start(kit, payments("clock"), Duration.ofHours(1));
        byte[] value = encode(samples.valid(1, NOW.minusSeconds(60)));
        Instant ancient = Instant.parse("2001-01-01T00:00:00Z");
        pipe(value, position("file:f:1"), ancient);
        clock.addAndGet(Duration.ofMinutes(50).toMillis());
        driver.advanceWallClockTime(Duration.ofMinutes(50));
        // Fifty minutes later on the gate's clock, with a timestamp far beyond any window of the first: still a duplicate.
        pipe(value, position("file:f:1"), NOW.plus(Duration.ofMinutes(55)));
        assertThat(product.readRecordsToList()).hasSize(1);

        clock.addAndGet(Duration.ofMinutes(90).toMillis());
        driver.advanceWallClockTime(Duration.ofMinutes(90));
        pipe(value, position("file:f:1"), ancient);
        assertThat(product.readRecordsToList()).as("past the window on the gate's clock the identity is forgotten").hasSize(1);
    }

    @Test
    void only_the_trace_context_and_the_spines_lineage_headers_reach_the_product_topic(SpineTestKit kit) {
        start(kit, payments("headers"), Duration.ofDays(7));
        Headers headers = position("file:h:1").add(SpineHeaders.TRACEPARENT, SpineHeaders.utf8("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"))
                .add(SpineHeaders.CORRELATION_ID, SpineHeaders.utf8("corr-1")).add(SpineHeaders.SOURCE, SpineHeaders.utf8("file"))
                .add("x-producer-internal", SpineHeaders.utf8("do not leak")).add("authorization", SpineHeaders.utf8("Bearer secret"));
        pipe(encode(samples.valid(1, NOW.minusSeconds(60))), headers, NOW);

        TestRecord<byte[], byte[]> out = product.readRecord();
        List<String> keys = new ArrayList<>();
        out.headers().forEach(h -> keys.add(h.key()));
        assertThat(keys).contains(SpineHeaders.TRACEPARENT, SpineHeaders.CORRELATION_ID, SpineHeaders.SOURCE, SpineHeaders.SOURCE_POSITION,
                        SpineHeaders.CONTRACT, SpineHeaders.CONTRACT_VERSION)
                .doesNotContain("x-producer-internal", "authorization");
        // Where in the raw topic it came from, so a backfill's --replace can join the product topic with Bronze.
        assertThat(SpineHeaders.string(out.headers().lastHeader(SpineHeaders.RAW_OFFSET).value())).isEqualTo("0:0");
    }

    private static Headers replay(String position, String deadLetterId, int count) {
        return position(position).add(SpineHeaders.REPLAY_OF, SpineHeaders.utf8(deadLetterId))
                .add(SpineHeaders.REPLAY_COUNT, SpineHeaders.utf8(Integer.toString(count)));
    }

    private double deduplicated(String reason) {
        return meters.find("spine.gate.records.deduplicated").tag("reason", reason).counters().stream().mapToDouble(c -> c.count()).sum();
    }

    private static Headers position(String position) {
        return new RecordHeaders().add(SpineHeaders.SOURCE_POSITION, SpineHeaders.utf8(position));
    }

    private void pipe(byte[] value, Headers headers, Instant timestamp) {
        raw.pipeInput(new TestRecord<>("k".getBytes(StandardCharsets.UTF_8), value, headers, timestamp));
    }

    private byte[] encode(GenericRecord record) {
        return WireFormat.encode(writerId, contract.avroSchema(), record);
    }

    private List<String> productIds() {
        List<String> ids = new ArrayList<>();
        for (TestRecord<byte[], byte[]> r : product.readRecordsToList()) {
            try {
                Schema writer = registry.byContentId(WireFormat.schemaId(r.value()).orElseThrow());
                GenericRecord decoded = new GenericDatumReader<GenericRecord>(writer, contract.avroSchema()).read(null,
                        DecoderFactory.get().binaryDecoder(r.value(), WireFormat.HEADER_LENGTH, r.value().length - WireFormat.HEADER_LENGTH, null));
                ids.add(decoded.get("transaction_id").toString());
            } catch (Exception e) {
                throw new AssertionError("cannot decode a product record", e);
            }
        }
        return ids;
    }


}
