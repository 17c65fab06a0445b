package io.meshspine.sink;

import io.delta.kernel.types.DateType;
import io.delta.kernel.types.DecimalType;
import io.delta.kernel.types.StringType;
import io.delta.kernel.types.TimestampType;
import io.meshspine.core.avro.WireFormat;
import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.core.deadletter.FailureType;
import io.meshspine.core.lineage.LineageConfig;
import io.meshspine.sink.internal.BronzeRows;
import io.meshspine.testkit.SamplePayments;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import io.meshspine.testkit.KernelTable;

/** The sink on the real broker and registry, its tables read back with Delta Kernel. */
@ExtendWith(SpineExtension.class)
class SilverAndBronzeOnBrokerTest {

    @Test
    void product_and_raw_records_land_once_in_typed_silver_and_replayable_bronze_tables(SpineTestKit kit, @TempDir Path lake) throws Exception {
        new io.meshspine.core.topic.TopicProvisioner(kit.admin(), (short) 1).provision(io.meshspine.core.topic.TopicCatalogue.of(List.of())
                .topics().stream().filter(t -> t.name().equals(io.meshspine.core.topic.Topics.LINEAGE)).toList());
        try (LakeFixture f = new LakeFixture(kit, "payments.transactions", "lake", lake, 2)) {
            SamplePayments samples = new SamplePayments(f.contract.avroSchema());
            Instant base = Instant.parse("2025-03-01T10:15:30.123456Z");
            List<GenericRecord> sent = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                GenericRecord r = samples.valid(i, base.plus(i % 3, ChronoUnit.DAYS));
                sent.add(r);
                f.sendProduct(r);
                f.sendRaw(f.key(r), f.value(r));
            }
            // A value the decimal(18,2) column cannot hold: dead-lettered as SINK, the rest of its batch commits.
            GenericRecord tooBig = samples.valid(10_000, base);
            tooBig.put("amount", ByteBuffer.wrap(new BigInteger("123456789012345678901").toByteArray()));
            f.sendProduct(tooBig);
            // Raw records that are not records at all are still Bronze history.
            f.sendRaw(null, "not avro".getBytes(StandardCharsets.UTF_8));
            f.sendRaw(null, null);
            f.sendRaw(null, WireFormat.encode(987_654, f.contract.avroSchema(), samples.valid(20_000, base)));
            f.producer.flush();

            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            SinkConfig config = f.config(new BatchTrigger(150, 64L << 20, Duration.ofMillis(500))).withLineage(LineageConfig.NONE
                    .withTransport(io.meshspine.core.lineage.TransportKind.KAFKA).withKafka(Map.of("bootstrap.servers", kit.bootstrapServers())));
            try (SinkService sink = LakeSink.start(config, f.catalog(), meters)) {
                await("silver and bronze complete").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                        .until(() -> KernelTable.count(f.silverPath()) == 400 && KernelTable.count(f.bronzePath()) == 403);

                KernelTable.Contents silver = KernelTable.read(f.silverPath());
                assertThat(silver.partitionColumns()).containsExactly("booking_date");
                assertThat(silver.schema().get("amount").getDataType()).isEqualTo(new DecimalType(18, 2));
                assertThat(silver.schema().get("booking_date").getDataType()).isInstanceOf(DateType.class);
                assertThat(silver.schema().get("occurred_at").getDataType()).isInstanceOf(TimestampType.class);
                assertThat(silver.schema().get("transaction_id").getDataType()).isInstanceOf(StringType.class);
                assertThat(silver.schema().get("fee_amount").isNullable()).isTrue();
                assertThat(silver.column("transaction_id")).doesNotHaveDuplicates().hasSize(400);

                Map<String, Map<String, Object>> byId = silver.rows().stream()
                        .collect(Collectors.toMap(r -> (String) r.get("transaction_id"), r -> r));
                GenericRecord first = sent.get(7);
                Map<String, Object> row = byId.get(first.get("transaction_id").toString());
                assertThat(row.get("amount")).isEqualTo(decimal((ByteBuffer) first.get("amount")));
                assertThat(row.get("occurred_at")).isEqualTo(base.plus(7 % 3, ChronoUnit.DAYS));
                assertThat(row.get("booking_date")).isEqualTo(LocalDate.ofInstant(base.plus(7 % 3, ChronoUnit.DAYS), ZoneOffset.UTC));
                assertThat(row.get("currency")).isEqualTo(first.get("currency").toString());
                assertThat(row.get("customer_id")).isEqualTo(first.get("customer_id").toString());

                KernelTable.Contents bronze = KernelTable.read(f.bronzePath());
                assertThat(bronze.partitionColumns()).containsExactly(BronzeRows.INGEST_DATE);
                assertThat(bronze.column(BronzeRows.DECODE_ERROR).stream().filter(e -> e != null)).hasSize(3);
                List<Map<String, Object>> undecoded = bronze.rows().stream().filter(r -> r.get(BronzeRows.DECODE_ERROR) != null).toList();
                assertThat(undecoded).allSatisfy(r -> assertThat(r.get("transaction_id")).isNull());
                assertThat(undecoded).anySatisfy(r -> assertThat(r.get(BronzeRows.SCHEMA_ID)).isEqualTo(987_654L));
                Map<String, Object> decoded = bronze.rows().stream().filter(r -> first.get("transaction_id").toString().equals(r.get("transaction_id")))
                        .findFirst().orElseThrow();
                assertThat(decoded.get(BronzeRows.SCHEMA_ID)).isEqualTo(f.valueId);
                assertThat((byte[]) decoded.get(BronzeRows.VALUE)).isEqualTo(f.value(first));
                assertThat((byte[]) decoded.get(BronzeRows.KEY)).isEqualTo(f.key(first));
                assertThat(decoded.get("amount")).isEqualTo(decimal((ByteBuffer) first.get("amount")));
                assertThat(bronze.rows().stream().map(r -> r.get(BronzeRows.PARTITION) + "/" + r.get(BronzeRows.OFFSET)).distinct()).hasSize(403);

                // The txn version of each source partition is its last offset; time travel sees the earlier, smaller table.
                long bronzeP0 = bronze.rows().stream().filter(r -> ((Integer) r.get(BronzeRows.PARTITION)) == 0).count();
                long bronzeP1 = 403 - bronzeP0;
                String appIdPrefix = "meshspine-sink:" + kit.admin().describeCluster().clusterId().get() + ":" + f.contract.rawTopic();
                assertThat(KernelTable.txnVersion(f.bronzePath(), appIdPrefix + ":0")).contains(bronzeP0 - 1);
                assertThat(KernelTable.txnVersion(f.bronzePath(), appIdPrefix + ":1")).contains(bronzeP1 - 1);
                assertThat(silver.version()).isGreaterThanOrEqualTo(2);
                KernelTable.Contents firstCommit = KernelTable.readVersion(f.silverPath(), 0);
                assertThat(firstCommit.rows()).isNotEmpty().hasSizeLessThan(400);

                List<DeadLetter> dead = f.deadLetters();
                assertThat(dead).hasSize(1);
                assertThat(dead.get(0).failureType()).isEqualTo(FailureType.SINK);
                assertThat(dead.get(0).message()).contains("amount");
                // Bronze is in clear here (the sink's default), yet the dead letter of a contract with PII keeps its
                // original encrypted (issue 16), and it opens to the original bytes.
                assertThat(f.config(BatchTrigger.DEFAULT).privacy().encryptBronze()).isFalse();
                assertThat(dead.get(0).sealed()).isTrue();
                assertThat(dead.get(0).original().value()).isNotEqualTo(f.value(tooBig));
                try (var sealer = io.meshspine.core.privacy.DeadLetterSealer.over(io.meshspine.core.privacy.PrivacyConfig.DEMO,
                        io.meshspine.core.topic.Topics.PRIVACY_KEYS, Map.of("bootstrap.servers", kit.bootstrapServers()), f.catalog(),
                        new io.meshspine.core.render.WireDecoder(f.registry))) {
                    var opened = sealer.open(dead.get(0));
                    assertThat(opened).isInstanceOf(io.meshspine.core.privacy.DeadLetterSealer.Opened.Plain.class);
                    assertThat(opened.letter().original().value()).isEqualTo(f.value(tooBig));
                }
                assertThat(dead.get(0).original().topic()).isEqualTo(f.contract.productTopic());

                String silverName = LakeTables.silverName(f.contract);
                assertThat(meters.get("spine.sink.rows").tag("table", silverName).counter().count()).isEqualTo(400);
                assertThat(meters.get("spine.sink.dead.lettered").tag("table", silverName).counter().count()).isEqualTo(1);
                assertThat(meters.get("spine.sink.freshness.seconds").tag("table", silverName).gauge().value()).isGreaterThanOrEqualTo(0);
                assertThat(LakeTables.rowCounts(lake.toString(), Map.of()))
                        .containsEntry(silverName, 400L).containsEntry(LakeTables.bronzeName(f.contract), 403L);

                // The run history, from spine.lineage: one row per commit, their rows adding up to the tables'.
                String historyPath = LakeTables.path(lake.toString(), RunHistory.TABLE);
                await("pipeline_runs holds every commit").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                        .until(() -> CommitRuns.rowsOut(historyPath, f.silverPath()) == 400 && CommitRuns.rowsOut(historyPath, f.bronzePath()) == 403);
            }
            // Closed: every run event is out. One run per commit, its id in that commit's commitInfo.
            String clusterId = kit.admin().describeCluster().clusterId().get();
            List<com.fasterxml.jackson.databind.JsonNode> events = CommitRuns.lineageTopic(kit);
            CommitRuns.assertOneRunPerCommit(events, f.silverPath(), f.contract.productTopic(), kit.bootstrapServers(), 400, 1,
                    p -> KernelTable.txnVersion(f.silverPath(), "meshspine-sink:" + clusterId + ":" + f.contract.productTopic() + ":" + p));
            CommitRuns.assertOneRunPerCommit(events, f.bronzePath(), f.contract.rawTopic(), kit.bootstrapServers(), 403, 0,
                    p -> KernelTable.txnVersion(f.bronzePath(), "meshspine-sink:" + clusterId + ":" + f.contract.rawTopic() + ":" + p));
            CommitRuns.assertHistoryMatches(LakeTables.path(lake.toString(), RunHistory.TABLE), events, f.silverPath(), f.bronzePath());
        }
    }

    static BigDecimal decimal(ByteBuffer bytes) {
        byte[] b = new byte[bytes.remaining()];
        bytes.duplicate().get(b);
        return new BigDecimal(new BigInteger(b), 2);
    }
}
