package io.meshspine.sink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.delta.kernel.expressions.Column;
import io.delta.kernel.expressions.Literal;
import io.delta.kernel.expressions.Predicate;
import io.meshspine.testkit.SamplePayments;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import io.meshspine.testkit.KernelTable;

/**
 * Delta file statistics on every column of a supported type (uuid, strings, decimal, timestamp, date…), so readers
 * skip files with them: Delta Kernel, given a predicate on a non-key column, reads only the file that can match.
 */
@ExtendWith(SpineExtension.class)
class StatisticsOnBrokerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant START = Instant.parse("2025-07-01T08:00:00Z");

    @Test
    void delta_kernel_skips_files_on_the_statistics_of_a_non_key_column(SpineTestKit kit, @TempDir Path lake) throws Exception {
        try (LakeFixture f = new LakeFixture(kit, "payments.transactions", "stats", lake, 1)) {
            SamplePayments samples = new SamplePayments(f.contract.avroSchema());
            List<GenericRecord> sent = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                GenericRecord r = samples.valid(i, START.plusSeconds(i));
                f.sendProduct(r);
                sent.add(r);
            }
            f.producer.flush();
            // One source partition, batches of 100, one booking date: four files, each a quarter of the timeline.
            try (SinkService sink = LakeSink.start(f.config(new BatchTrigger(100, 64L << 20, Duration.ofSeconds(30))), f.catalog(),
                    new SimpleMeterRegistry())) {
                await().atMost(Duration.ofSeconds(60)).until(() -> KernelTable.count(f.silverPath()) == 400);
            }
            KernelTable.Contents table = KernelTable.read(f.silverPath());
            assertThat(table.files()).isEqualTo(4);

            long wanted = (Long) sent.get(250).get("occurred_at");
            List<String> read = KernelTable.filesFor(f.silverPath(), new Predicate("=", new Column("occurred_at"), Literal.ofTimestamp(wanted)));
            assertThat(read).as("files Kernel reads for occurred_at = record 250's").hasSize(1);
            List<String> later = KernelTable.filesFor(f.silverPath(), new Predicate(">=", new Column("occurred_at"),
                    Literal.ofTimestamp((Long) sent.get(200).get("occurred_at"))));
            assertThat(later).as("files from record 200 on").hasSize(2);
            List<String> tooLarge = KernelTable.filesFor(f.silverPath(), new Predicate(">", new Column("amount"),
                    Literal.ofDecimal(new BigDecimal("2500.00"), 18, 2)));
            assertThat(tooLarge).as("no amount is over 2,500.00 (decimal stats)").isEmpty();

            // The statistics cover every column of the file (the partition column lives in the path, not the file).
            JsonNode stats = firstAddStats(f.silverPath());
            assertThat(stats.path("numRecords").asLong()).isEqualTo(100);
            List<String> columns = List.of("transaction_id", "account_number", "customer_id", "amount", "currency", "direction", "channel",
                    "merchant_name", "merchant_category_code", "fee_amount", "occurred_at");
            columns.forEach(c -> assertThat(stats.path("nullCount").has(c)).as("nullCount of " + c).isTrue());
            columns.forEach(c -> assertThat(stats.path("minValues").has(c) && stats.path("maxValues").has(c)).as("min/max of " + c).isTrue());
            assertThat(stats.path("minValues").path("occurred_at").asText()).isEqualTo("2025-07-01T08:00:00.000Z");
            assertThat(stats.path("minValues").path("amount").isNumber()).isTrue();
            assertThat(stats.path("nullCount").has("booking_date")).isFalse();
            // Strings keep Delta's 32-character prefix; a truncated max ends in U+10FFFF so it stays an upper bound.
            assertThat(stats.path("minValues").path("transaction_id").asText()).hasSize(32);
            assertThat(stats.path("maxValues").path("transaction_id").asText()).endsWith(new String(Character.toChars(0x10FFFF)));
            assertThat(KernelTable.filesFor(f.silverPath(), new Predicate("=", new Column("currency"), Literal.ofString("ZZZ"))))
                    .as("string stats: no currency sorts after USD").isEmpty();
        }
    }

    /** The stats of the first file added, as the Delta log holds them (a JSON string inside the add action). */
    private static JsonNode firstAddStats(String table) throws Exception {
        try (var files = Files.list(Path.of(URI.create(table)).resolve("_delta_log"))) {
            for (Path file : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                for (String line : Files.readAllLines(file)) {
                    JsonNode action = JSON.readTree(line);
                    if (action.has("add")) {
                        return JSON.readTree(action.path("add").path("stats").asText());
                    }
                }
            }
        }
        throw new AssertionError("no add action in " + table);
    }
}
