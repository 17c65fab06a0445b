package io.meshspine.ingest.file;

import io.meshspine.core.LineageHeaders;
import io.meshspine.core.SpineHeaders;
import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.core.deadletter.FailureType;
import io.meshspine.core.topic.Topics;
import io.meshspine.core.privacy.DataKeyStore;
import io.meshspine.core.privacy.Decryption;
import io.meshspine.core.privacy.KeyScope;
import io.meshspine.core.privacy.PrivacyConfig;
import io.meshspine.core.privacy.SubjectCipher;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import org.apache.avro.Conversions;
import org.apache.avro.LogicalTypes;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import com.fasterxml.jackson.databind.JsonNode;
import io.meshspine.testkit.LineageSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The file lane against the real broker and registry: what lands in the raw topic, the DLQ and the ledger. */
@ExtendWith(SpineExtension.class)
class FileLaneTest {

    private static final Conversions.DecimalConversion DECIMALS = new Conversions.DecimalConversion();

    @Test
    void a_good_csv_file_puts_every_row_in_the_raw_topic_with_its_lineage_and_is_archived(SpineTestKit kit, @TempDir Path landing) throws Exception {
        try (FileLaneFixture f = new FileLaneFixture(kit, "csv", landing); FileLane lane = f.open()) {
            String content = SampleLoans.csv("csv", 40).replace("\n", "\r\n")
                    + "APP-q-1,\"C77\",\"HOME\",1234.5,360,SUBMITTED,2024-03-01T10:00:00.250000+10:00,,\"BRK-\"\"1\"\"\r\nsecond line\"\r\n";
            Path file = f.drop("day1.csv", content);

            FileOutcome outcome = lane.ingest(file);

            assertThat(outcome.result()).isEqualTo(FileOutcome.Result.INGESTED);
            assertThat(outcome.rows()).isEqualTo(41);
            assertThat(outcome.deadLetters()).isZero();
            assertThat(outcome.movedTo()).isEqualTo("archive/lending/loan_applications/day1.csv");
            assertThat(file).doesNotExist();
            assertThat(landing.resolve(outcome.movedTo())).exists();

            await().atMost(Duration.ofSeconds(20)).until(() -> f.rawRecords().size() >= 41);
            List<ConsumerRecord<byte[], byte[]>> records = f.rawRecords();
            assertThat(records).hasSize(41);
            ConsumerRecord<byte[], byte[]> first = records.stream().filter(r -> FileLaneFixture.line(r) == 2).findFirst().orElseThrow();
            assertThat(FileLaneFixture.header(first, SpineHeaders.SOURCE)).isEqualTo("file");
            assertThat(FileLaneFixture.header(first, SpineHeaders.SOURCE_POSITION)).isEqualTo(outcome.hash() + ":2");
            assertThat(FileLaneFixture.header(first, LineageHeaders.FILE_NAME)).isEqualTo("lending/loan_applications/day1.csv");
            assertThat(FileLaneFixture.header(first, LineageHeaders.FILE_HASH)).isEqualTo(outcome.hash()).hasSize(64);
            assertThat(FileLaneFixture.header(first, SpineHeaders.CORRELATION_ID)).isNotBlank();
            GenericRecord key = f.decode(first.key(), f.contract.keySchema());
            assertThat(key.get("application_id").toString()).isEqualTo(SampleLoans.applicationId("csv", 0));

            Map<String, GenericRecord> byId = f.rawValues().stream().collect(Collectors.toMap(r -> r.get("application_id").toString(), r -> r));
            assertThat(byId).hasSize(41);
            GenericRecord zero = byId.get(SampleLoans.applicationId("csv", 0));
            assertThat(amount(zero)).isEqualByComparingTo("1000.00");
            assertThat(zero.get("submitted_at")).isEqualTo(micros("2024-03-01T09:30:00Z"));
            assertThat(zero.get("decided_at")).isNull();
            assertThat(zero.get("broker_code")).isNull();
            GenericRecord five = byId.get(SampleLoans.applicationId("csv", 5));
            assertThat(five.get("term_months")).isEqualTo(17);
            assertThat(five.get("broker_code").toString()).isEqualTo("BRK-00005");
            assertThat(five.get("decided_at")).isEqualTo(micros("2024-03-03T09:30:05Z"));
            GenericRecord multiLine = byId.get("APP-q-1");
            assertThat(amount(multiLine)).isEqualByComparingTo("1234.50");
            assertThat(multiLine.get("submitted_at")).isEqualTo(micros("2024-03-01T00:00:00.250Z"));
            assertThat(multiLine.get("broker_code").toString()).isEqualTo("BRK-\"1\"\nsecond line");

            assertThat(lane.ledgerEntry(outcome.hash())).hasValueSatisfying(e -> {
                assertThat(e.state()).isEqualTo(FileState.DONE);
                assertThat(e.rows()).isEqualTo(41);
            });
            assertThat(f.counter("spine.ingest.file.rows.ingested")).isEqualTo(41);
            assertThat(f.counter("spine.ingest.file.files.done")).isEqualTo(1);
        }
    }

    @Test
    void a_json_lines_file_is_typed_against_the_same_schema(SpineTestKit kit, @TempDir Path landing) throws Exception {
        var base = io.meshspine.testkit.ContractFixtures.inFreshDomain(
                io.meshspine.core.contract.ContractCatalog.fromClasspath().find("lending.loan_applications", 1).orElseThrow(), "jsonl");
        try (FileLaneFixture f = new FileLaneFixture(kit, FileLaneFixture.asJsonLines(base, "lending/loan_applications/*.jsonl"), landing);
             FileLane lane = f.open()) {
            Path file = f.drop("day1.jsonl", """
                    {"application_id":"J-1","customer_id":"C1","product":"CAR","amount":"25000.10","term_months":60,"status":"APPROVED","submitted_at":"2024-03-01T09:30:00Z","decided_at":"2024-03-02T09:30:00Z","broker_code":null}

                    {"application_id":"J-2","customer_id":"C2","product":"HOME","amount":450000,"term_months":360,"status":"SUBMITTED","submitted_at":1709285400000000}
                    {"application_id":"J-3","customer_id":"C3","product":"HOME","amount":"12.345","term_months":360,"status":"SUBMITTED","submitted_at":"2024-03-01T09:30:00Z"}
                    {"application_id":"J-4","customer_id":"C4","product":"HOME","amount":"1","term_months":"twelve","status":"SUBMITTED","submitted_at":"2024-03-01T09:30:00Z"}
                    {"application_id":"J-5" "customer_id":"C5"}
                    """);

            FileOutcome outcome = lane.ingest(file);

            assertThat(outcome.rows()).isEqualTo(2);
            assertThat(outcome.deadLetters()).isEqualTo(3);
            await().atMost(Duration.ofSeconds(20)).until(() -> f.rawRecords().size() >= 2 && f.deadLetters().size() >= 3);
            Map<String, GenericRecord> byId = f.rawValues().stream().collect(Collectors.toMap(r -> r.get("application_id").toString(), r -> r));
            assertThat(amount(byId.get("J-1"))).isEqualByComparingTo("25000.10");
            assertThat(amount(byId.get("J-2"))).isEqualByComparingTo("450000.00");
            assertThat(byId.get("J-2").get("submitted_at")).isEqualTo(1709285400000000L);
            assertThat(byId.get("J-2").get("decided_at")).isNull();
            Map<String, String> messages = f.deadLetters().stream().collect(Collectors.toMap(d -> d.context().get("line"), DeadLetter::message));
            assertThat(messages).containsOnlyKeys("4", "5", "6");
            assertThat(messages.get("4")).contains("line 4").contains("field amount").contains("more than 2 decimal places");
            assertThat(messages.get("5")).contains("field term_months").contains("expected an int, found a string");
            assertThat(messages.get("6")).contains("not valid JSON");
        }
    }

    @Test
    void bad_rows_become_dead_letters_with_their_line_and_the_rest_of_the_file_goes_through(SpineTestKit kit, @TempDir Path landing,
                                                                                           @TempDir Path lineage) throws Exception {
        Path events = lineage.resolve("events.jsonl");
        try (FileLaneFixture f = new FileLaneFixture(kit, "bad", landing); FileLane lane = f.open(events)) {
            String notADecimal = "APP-bad-1,C1,HOME,12x.00,360,SUBMITTED,2024-03-01T09:30:00Z,,";
            String shortRow = "APP-bad-2,C2,HOME,100.00";
            String badTimestamp = "APP-bad-3,C3,HOME,100.00,360,SUBMITTED,01/03/2024 09:30,,";
            String missingKey = ",C4,HOME,100.00,360,SUBMITTED,2024-03-01T09:30:00Z,,";
            String unclosed = "APP-bad-5,C5,HOME,100.00,360,SUBMITTED,2024-03-01T09:30:00Z,,\"BRK-1";
            String content = SampleLoans.HEADER + "\n" + SampleLoans.row("bad", 0) + "\n" + notADecimal + "\n" + SampleLoans.row("bad", 1) + "\n"
                    + shortRow + "\n" + badTimestamp + "\n" + missingKey + "\n" + SampleLoans.row("bad", 2) + "\n" + unclosed + "\n";
            Path file = f.drop("mixed.csv", content);

            FileOutcome outcome = lane.ingest(file);

            assertThat(outcome.result()).isEqualTo(FileOutcome.Result.INGESTED);
            assertThat(outcome.rows()).isEqualTo(3);
            assertThat(outcome.deadLetters()).isEqualTo(5);
            await().atMost(Duration.ofSeconds(20)).until(() -> f.rawRecords().size() >= 3 && f.deadLetters().size() >= 5);
            assertThat(f.rawRecords()).hasSize(3).extracting(FileLaneFixture::line).containsExactlyInAnyOrder(2L, 4L, 8L);
            List<DeadLetter> letters = f.deadLetters();
            assertThat(letters).hasSize(5).allSatisfy(d -> {
                assertThat(d.failureType()).isEqualTo(FailureType.DESERIALIZATION);
                assertThat(d.stage()).isEqualTo(FileLane.STAGE);
                assertThat(d.context()).containsEntry("file", "lending/loan_applications/mixed.csv").containsEntry("file_hash", outcome.hash());
                assertThat(d.id()).isEqualTo("file:" + outcome.hash() + "/" + d.context().get("line"));
                assertThat(d.original().topic()).isEqualTo(f.contract.rawTopic());
                assertThat(d.original().headers()).contains(new io.meshspine.core.deadletter.OriginalRecord.Header(
                        SpineHeaders.SOURCE_POSITION, SpineHeaders.utf8(outcome.hash() + ":" + d.context().get("line"))));
            });
            Map<String, DeadLetter> byLine = letters.stream().collect(Collectors.toMap(d -> d.context().get("line"), d -> d));
            assertThat(byLine).containsOnlyKeys("3", "5", "6", "7", "9");
            assertThat(text(byLine.get("3"))).isEqualTo(notADecimal);
            assertThat(byLine.get("3").message()).isEqualTo("lending/loan_applications/mixed.csv line 3, column 4 (amount): not a decimal(14,2)");
            assertThat(byLine.get("3").context()).containsEntry("field", "amount").containsEntry("column", "4");
            assertThat(text(byLine.get("5"))).isEqualTo(shortRow);
            assertThat(byLine.get("5").message()).endsWith("has 4 columns, the file has 9");
            assertThat(byLine.get("6").message()).contains("column 7 (submitted_at)").contains("expected format");
            assertThat(byLine.get("7").message()).contains("column 1 (application_id): empty, but string is required");
            assertThat(text(byLine.get("9"))).isEqualTo(unclosed);
            assertThat(byLine.get("9").message()).contains("not closed before the end of the file");
            assertThat(f.counter("spine.ingest.file.rows.dead.lettered")).isEqualTo(5);
        }
        // The lane closed: its run for the file is out, START then COMPLETE with the file's counts.
        List<JsonNode> runs = LineageSpec.readLines(events);
        assertThat(runs).allSatisfy(e -> assertThat(LineageSpec.violations(e)).as(e.toString()).isEmpty());
        assertThat(runs).extracting(e -> e.get("eventType").asText()).containsExactly("START", "COMPLETE");
        assertThat(runs).extracting(e -> e.at("/run/runId").asText()).containsOnly(runs.get(0).at("/run/runId").asText());
        JsonNode complete = runs.get(1);
        assertThat(complete.at("/job/name").asText()).startsWith("file-lane.").endsWith(".loan_applications.v1");
        assertThat(complete.at("/inputs/0/namespace").asText()).isEqualTo("file");
        assertThat(complete.at("/inputs/0/name").asText()).isEqualTo(landing.resolve("lending/loan_applications/mixed.csv").toAbsolutePath().toString());
        assertThat(complete.at("/outputs/0/namespace").asText()).isEqualTo(io.meshspine.core.lineage.Datasets.kafkaNamespace(kit.bootstrapServers()));
        assertThat(complete.at("/outputs/0/facets/schema/fields").size()).isEqualTo(f0Fields(kit));
        assertThat(complete.at("/outputs/1/name").asText()).isEqualTo(Topics.DLQ);
        assertThat(complete.at("/run/facets/meshspine_run/rowsOut").asLong()).isEqualTo(3);
        assertThat(complete.at("/run/facets/meshspine_run/deadLettered").asLong()).isEqualTo(5);
    }

    private static int f0Fields(SpineTestKit kit) {
        return io.meshspine.core.contract.ContractCatalog.fromClasspath().find("lending.loan_applications", 1).orElseThrow().avroSchema().getFields().size();
    }

    @Test
    void with_privacy_on_a_bad_row_of_a_contract_with_pii_is_dead_lettered_with_its_line_encrypted_under_the_domain_key(
            SpineTestKit kit, @TempDir Path landing) throws Exception {
        new io.meshspine.core.topic.TopicProvisioner(kit.admin(), (short) 1).provision(io.meshspine.core.topic.TopicCatalogue.of(List.of())
                .topics().stream().filter(t -> t.name().equals(Topics.PRIVACY_KEYS)).toList());
        PrivacyConfig privacy = PrivacyConfig.DEMO;
        try (FileLaneFixture f = new FileLaneFixture(kit, "sealed", landing);
             FileLane lane = FileLane.open(f.config().withPrivacy(privacy), io.meshspine.core.contract.ContractCatalog.of(List.of(f.contract)), f.meters);
             DataKeyStore keys = privacy.openKeyStore(Topics.PRIVACY_KEYS, Map.of("bootstrap.servers", kit.bootstrapServers()))) {
            String bad = "APP-sealed-1,CSEALED77,HOME,12x.00,360,SUBMITTED,2024-03-01T09:30:00Z,,";
            FileOutcome outcome = lane.ingest(f.drop("sealed.csv", SampleLoans.HEADER + "\n" + bad + "\n"));

            assertThat(outcome.deadLetters()).isEqualTo(1);
            await().atMost(Duration.ofSeconds(20)).until(() -> f.deadLetters().size() >= 1);
            DeadLetter d = f.deadLetters().get(0);
            assertThat(d.sealed()).isTrue();
            // the line did not read, so no subject: the domain's key
            assertThat(d.sealing().subjectHmac()).isEqualTo(privacy.hasher().hash(KeyScope.domain(f.contract.domain())));
            assertThat(new String(d.original().value(), StandardCharsets.ISO_8859_1)).doesNotContain("CSEALED77");
            Decryption opened = new SubjectCipher(keys).decrypt(d.original().value());
            assertThat(new String(((Decryption.Plain) opened).bytes(), StandardCharsets.UTF_8)).isEqualTo(bad);
        }
    }

    @Test
    void the_same_file_dropped_twice_is_ingested_once_and_the_second_drop_is_reported_as_skipped(SpineTestKit kit, @TempDir Path landing) throws Exception {
        try (FileLaneFixture f = new FileLaneFixture(kit, "twice", landing)) {
            String content = SampleLoans.csv("twice", 25);
            FileOutcome first;
            try (FileLane lane = f.open()) {
                first = lane.ingest(f.drop("day1.csv", content));
            }
            // A new lane instance knows the file from the ledger topic alone.
            try (FileLane lane = f.open()) {
                FileOutcome second = lane.ingest(f.drop("day1-again.csv", content));
                assertThat(second.result()).isEqualTo(FileOutcome.Result.SKIPPED_DUPLICATE);
                assertThat(second.hash()).isEqualTo(first.hash());
                assertThat(second.reason()).contains("identical to lending/loan_applications/day1.csv");
                assertThat(second.movedTo()).isEqualTo("archive/lending/loan_applications/day1-again.csv");
                FileOutcome third = lane.ingest(f.drop("day1.csv", content));
                assertThat(third.result()).isEqualTo(FileOutcome.Result.SKIPPED_DUPLICATE);
                assertThat(third.movedTo()).isEqualTo("archive/lending/loan_applications/day1.csv.1");
            }
            assertThat(f.counter("spine.ingest.file.files.skipped")).isEqualTo(2);
            await().atMost(Duration.ofSeconds(20)).until(() -> f.rawRecords().size() >= 25);
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> f.rawRecords().size() == 25);
        }
    }

    @Test
    void a_file_whose_header_does_not_fit_the_contract_is_quarantined_with_its_reason(SpineTestKit kit, @TempDir Path landing,
                                                                                      @TempDir Path lineage) throws Exception {
        Path events = lineage.resolve("events.jsonl");
        try (FileLaneFixture f = new FileLaneFixture(kit, "quarantine", landing); FileLane lane = f.open(events)) {
            Path file = f.drop("wrong.csv", "application_id,customer,amount\nA-1,C1,10.00\n");
            Path latin1 = landing.resolve("lending/loan_applications/latin1.csv");
            Files.write(latin1, (SampleLoans.HEADER + "\n" + SampleLoans.row("q", 1) + "\n").replace("C100001", "C\u00e9")
                    .getBytes(StandardCharsets.ISO_8859_1));

            FileOutcome outcome = lane.ingest(file);
            FileOutcome notUtf8 = lane.ingest(latin1);

            assertThat(outcome.result()).isEqualTo(FileOutcome.Result.QUARANTINED);
            assertThat(outcome.reason()).contains("column 2 (customer) is not a field of LoanApplication")
                    .contains("required field customer_id has no column");
            assertThat(outcome.movedTo()).isEqualTo("quarantine/lending/loan_applications/wrong.csv");
            assertThat(landing.resolve("quarantine/lending/loan_applications/wrong.csv.reason.txt")).content().contains("customer");
            assertThat(file).doesNotExist();
            assertThat(lane.ledgerEntry(outcome.hash())).hasValueSatisfying(e -> assertThat(e.state()).isEqualTo(FileState.QUARANTINED));
            assertThat(notUtf8.result()).isEqualTo(FileOutcome.Result.QUARANTINED);
            assertThat(notUtf8.reason()).startsWith("not UTF-8 text (a malformed byte sequence after line ");
            assertThat(f.counter("spine.ingest.file.files.quarantined")).isEqualTo(2);
            assertThat(f.rawRecords()).isEmpty();
        }
        // Each quarantined file is a failed run: FAIL with the quarantine reason in the spec's errorMessage facet.
        List<JsonNode> runs = LineageSpec.readLines(events);
        assertThat(runs).allSatisfy(e -> assertThat(LineageSpec.violations(e)).as(e.toString()).isEmpty());
        assertThat(runs).extracting(e -> e.get("eventType").asText()).containsExactly("START", "FAIL", "START", "FAIL");
        assertThat(runs.get(1).at("/run/facets/errorMessage/message").asText()).startsWith("quarantined: ")
                .contains("column 2 (customer) is not a field of LoanApplication");
        assertThat(runs.get(1).at("/inputs/0/name").asText()).endsWith("/lending/loan_applications/wrong.csv");
        assertThat(runs.get(3).at("/run/facets/errorMessage/message").asText()).startsWith("quarantined: not UTF-8 text");
        assertThat(runs.get(0).at("/run/runId").asText()).isEqualTo(runs.get(1).at("/run/runId").asText())
                .isNotEqualTo(runs.get(2).at("/run/runId").asText());
    }

    @Test
    void a_started_lane_picks_up_a_file_dropped_into_the_landing_directory(SpineTestKit kit, @TempDir Path landing) throws Exception {
        try (FileLaneFixture f = new FileLaneFixture(kit, "poll", landing);
             FileLane lane = FileLane.start(f.config(), io.meshspine.core.contract.ContractCatalog.of(List.of(f.contract)), f.meters)) {
            Path unmatched = landing.resolve("elsewhere/notes.txt");
            Files.createDirectories(unmatched.getParent());
            Files.writeString(unmatched, "not for any contract");
            Path inFlight = f.drop("day2.csv.part", SampleLoans.csv("poll", 10));
            Files.move(inFlight, inFlight.resolveSibling("day2.csv"));

            await().atMost(Duration.ofSeconds(30)).until(() -> f.rawRecords().size() >= 10);
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(landing.resolve("archive/lending/loan_applications/day2.csv")));
            assertThat(lane.state()).isEqualTo(FileLane.State.POLLING);
            assertThat(unmatched).exists();
            assertThat(f.rawRecords()).hasSize(10);
        }
    }

    @Test
    void a_landing_area_behind_a_hadoop_file_system_uri_is_polled_archived_and_quarantined_the_same_way(SpineTestKit kit, @TempDir Path landing)
            throws Exception {
        // file:// goes through Hadoop's FileSystem exactly as s3a:// or abfss:// would (listFiles, open, rename, create).
        String uri = landing.toUri().toString();
        try (FileLaneFixture f = new FileLaneFixture(kit, "hadoop", landing);
             FileLane lane = FileLane.start(f.config().withLandingUri(uri), io.meshspine.core.contract.ContractCatalog.of(List.of(f.contract)), f.meters)) {
            Path inFlight = f.drop("day3.csv.part", SampleLoans.csv("hadoop", 12));
            Files.move(inFlight, inFlight.resolveSibling("day3.csv"));
            f.drop("wrong.csv", "application_id,customer,amount\nA-1,C1,10.00\n");

            await().atMost(Duration.ofSeconds(30)).until(() -> f.rawRecords().size() >= 12);
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(landing.resolve("archive/lending/loan_applications/day3.csv"))
                    && Files.exists(landing.resolve("quarantine/lending/loan_applications/wrong.csv.reason.txt")));
            assertThat(landing.resolve("quarantine/lending/loan_applications/wrong.csv.reason.txt")).content().contains("customer");
            assertThat(f.rawRecords()).hasSize(12);
            assertThat(lane.state()).isEqualTo(FileLane.State.POLLING);
        }
    }

    private static BigDecimal amount(GenericRecord r) {
        return DECIMALS.fromBytes((ByteBuffer) r.get("amount"), null, LogicalTypes.decimal(14, 2));
    }

    private static long micros(String instant) {
        Instant i = Instant.parse(instant);
        return i.getEpochSecond() * 1_000_000L + i.getNano() / 1000;
    }

    private static String text(DeadLetter d) {
        return new String(d.original().value(), StandardCharsets.UTF_8);
    }
}
