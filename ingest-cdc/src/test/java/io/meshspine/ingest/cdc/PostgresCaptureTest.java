package io.meshspine.ingest.cdc;

import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.SpineHeaders;
import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.avro.WireFormat;
import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.core.deadletter.DeadLetterCodec;
import io.meshspine.core.deadletter.FailureType;
import io.meshspine.core.deadletter.OriginalRecord;
import io.meshspine.core.registry.ApicurioClient;
import io.meshspine.core.registry.ContractRegistrar;
import io.meshspine.core.topic.TopicCatalogue;
import io.meshspine.core.topic.TopicProvisioner;
import io.meshspine.core.topic.Topics;
import io.meshspine.ingest.cdc.internal.ConnectorProperties;
import io.meshspine.testkit.ContractFixtures;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import io.meshspine.testkit.TopicReader;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import com.fasterxml.jackson.databind.JsonNode;
import io.meshspine.core.lineage.LineageConfig;
import io.meshspine.testkit.LineageSpec;
import java.nio.file.Path;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@ExtendWith(SpineExtension.class)
class PostgresCaptureTest {

    private static final Contract CUSTOMERS = ContractCatalog.fromClasspath().latest("crm.customers").orElseThrow();

    private static Contract freshContract(SpineTestKit kit) {
        Contract contract = ContractFixtures.inFreshDomain(CUSTOMERS, "cdcpg");
        kit.createTopic(contract.rawTopic(), 1);
        return contract;
    }

    private static CdcConfig config(SpineTestKit kit, Contract contract, PostgresTestDatabase db) {
        CdcConfig config = CdcConfig.defaults(kit.bootstrapServers(), kit.registryUrl())
                .withDatabase(contract.id(), db.name()).withOffsetFlushInterval(Duration.ZERO);
        db.dropsSlot(ConnectorProperties.slotName(config, contract));
        return config;
    }

    @Test
    void snapshotRowsThenEveryChangeArrivesInOrderWithBeforeAndAfter_andARestartDeliversWhatChangedWhileStopped(SpineTestKit kit,
                                                                                                              @TempDir Path lineageDir) {
        Contract contract = freshContract(kit);
        ChangeRecords topic = new ChangeRecords(kit, contract);
        long startMicros = System.currentTimeMillis() * 1000;
        Path events = lineageDir.resolve("events.jsonl");
        LineageConfig lineage = LineageConfig.toFile(events).withRunningInterval(Duration.ofSeconds(1));
        try (PostgresTestDatabase db = new PostgresTestDatabase()) {
            CdcConfig config = config(kit, contract, db);
            db.execute(PostgresTestDatabase.insert("C1", "Ada", "Lovelace", "ada@example.com"),
                    PostgresTestDatabase.insert("C2", "Alan", "Turing", "alan@example.com"));

            try (CdcLane lane = CdcLane.start(config, List.of(contract), new SimpleMeterRegistry(), lineage)) {
                List<ChangeRecords.Change> snapshot = topic.await(2);
                // The snapshot is a run of its own, ended by its last row (not by the lane's stop).
                await("the snapshot run completes").atMost(Duration.ofSeconds(30)).until(() -> runEvents(events,
                        "cdc." + contract.qualifiedName() + ".snapshot", "COMPLETE").size() == 1);
                assertThat(snapshot).extracting(ChangeRecords.Change::brief).containsExactlyInAnyOrder("r:C1", "r:C2");
                assertThat(snapshot).allSatisfy(c -> {
                    assertThat(c.before()).isNull();
                    assertThat(c.source().get("snapshot")).isEqualTo(true);
                });
                assertThat(lane.state(contract.qualifiedName())).contains(CaptureState.RUNNING);

                db.execute(PostgresTestDatabase.insert("C3", "Grace", "Hopper", "grace@example.com"),
                        "UPDATE public.customers SET email = 'ada@lovelace.example' WHERE customer_id = 'C1'",
                        "DELETE FROM public.customers WHERE customer_id = 'C2'");
                db.transaction(PostgresTestDatabase.insert("C4", "Edsger", "Dijkstra", "ewd@example.com"),
                        "UPDATE public.customers SET suburb = 'Nuenen' WHERE customer_id = 'C4'",
                        "UPDATE public.customers SET state = 'VIC' WHERE customer_id = 'C3'");

                List<ChangeRecords.Change> all = topic.await(8);
                List<ChangeRecords.Change> changes = all.subList(2, all.size());
                assertThat(changes).extracting(ChangeRecords.Change::brief)
                        .containsExactly("c:C3", "u:C1", "d:C2", "c:C4", "u:C4", "u:C3");

                ChangeRecords.Change update = changes.get(1);
                assertThat(update.before("email")).hasToString("ada@example.com");
                assertThat(update.after("email")).hasToString("ada@lovelace.example");
                assertThat(update.after("last_name")).hasToString("Lovelace");
                ChangeRecords.Change delete = changes.get(2);
                assertThat(delete.after()).isNull();
                assertThat(delete.before("last_name")).hasToString("Turing");
                assertThat(delete.key().get("customer_id")).hasToString("C2");

                // One transaction: one transaction id, positions ascending.
                List<ChangeRecords.Change> tx = changes.subList(3, 6);
                assertThat(tx.stream().map(c -> String.valueOf(c.source().get("tx_id"))).collect(Collectors.toSet())).hasSize(1);
                assertThat(tx.get(2).before("state")).hasToString("NSW");
                assertThat(tx.get(2).after("state")).hasToString("VIC");
                assertThat(changes).allSatisfy(c -> {
                    assertThat(c.sourceHeader()).isEqualTo("cdc");
                    assertThat(c.contractVersion()).isEqualTo("1");
                    assertThat(c.correlationId()).isNotBlank();
                    assertThat(c.position()).startsWith("postgres:" + db.name() + ":").isEqualTo(
                            "postgres:" + db.name() + ":" + c.source().get("position"));
                    assertThat(c.source().get("commit_time")).isNotNull();
                    assertThat(c.source().get("snapshot")).isEqualTo(false);
                    GenericRecord row = c.after() != null ? c.after() : c.before();
                    // timestamptz arrives as Debezium's ISO text and leaves as the contract's timestamp-micros.
                    long createdMicros = (Long) row.get("created_at");
                    assertThat(createdMicros).isBetween(startMicros - 3_600_000_000L, startMicros + 3_600_000_000L);
                });
                assertThat(changes.stream().map(ChangeRecords.Change::position).collect(Collectors.toSet())).hasSize(6);
                await("the stream run reports its changes while it runs").atMost(Duration.ofSeconds(30)).until(() ->
                        runEvents(events, "cdc." + contract.qualifiedName(), "RUNNING").stream()
                                .anyMatch(e -> e.at("/run/facets/meshspine_run/rowsOut").asLong() == 6));
            }
            assertThatTheRunsOfOneSessionAre(events, contract, db.name(), 2, 6);

            db.execute(PostgresTestDatabase.insert("C5", "Barbara", "Liskov", "barbara@example.com"),
                    "UPDATE public.customers SET segment = 'PREMIUM' WHERE customer_id = 'C1'",
                    "DELETE FROM public.customers WHERE customer_id = 'C4'");

            try (CdcLane restarted = CdcLane.start(config, List.of(contract), new SimpleMeterRegistry(), lineage)) {
                List<ChangeRecords.Change> all = topic.await(11);
                // Resumed from the stored position: no second snapshot, every change made while stopped, in order.
                List<ChangeRecords.Change> afterRestart = all.subList(8, all.size());
                assertThat(afterRestart).extracting(ChangeRecords.Change::brief).containsExactly("c:C5", "u:C1", "d:C4");
                assertThat(all).hasSize(11);
                assertThat(new HashSet<>(all.stream().map(ChangeRecords.Change::position).toList())).hasSize(11 - 1);
                assertThat(afterRestart.get(1).after("segment")).hasToString("PREMIUM");
            }
            // The second session: a stream run of its own with the three changes, and no snapshot.
            List<JsonNode> streams = runEvents(events, "cdc." + contract.qualifiedName(), "COMPLETE");
            assertThat(streams).hasSize(2);
            assertThat(streams.get(1).at("/run/facets/meshspine_run/rowsOut").asLong()).isEqualTo(3);
            assertThat(runEvents(events, "cdc." + contract.qualifiedName() + ".snapshot", "START")).hasSize(1);
        }
    }

    /** The run events of {@code job} of one type, in the order they were written. */
    private static List<JsonNode> runEvents(Path events, String job, String type) {
        if (!java.nio.file.Files.exists(events)) {
            return List.of();
        }
        return LineageSpec.readLines(events).stream()
                .filter(e -> e.at("/job/name").asText().equals(job) && e.path("eventType").asText().equals(type)).toList();
    }

    /**
     * One snapshot run (START, COMPLETE with the rows read, child of the stream run) and one stream run (START,
     * RUNNING, COMPLETE with the changes), both from the table as the naming spec names it to the raw topic and the DLQ,
     * every event by the spec.
     */
    private static void assertThatTheRunsOfOneSessionAre(Path events, Contract contract, String database, long snapshotRows, long changes) {
        List<JsonNode> all = LineageSpec.readLines(events);
        assertThat(all).allSatisfy(e -> assertThat(LineageSpec.violations(e)).as(e.toString()).isEmpty());
        String stream = "cdc." + contract.qualifiedName();
        JsonNode snapshotStart = runEvents(events, stream + ".snapshot", "START").get(0);
        JsonNode snapshotEnd = runEvents(events, stream + ".snapshot", "COMPLETE").get(0);
        JsonNode streamStart = runEvents(events, stream, "START").get(0);
        JsonNode streamEnd = runEvents(events, stream, "COMPLETE").get(0);
        assertThat(snapshotEnd.at("/run/runId").asText()).isEqualTo(snapshotStart.at("/run/runId").asText());
        assertThat(snapshotEnd.at("/run/facets/parent/run/runId").asText()).isEqualTo(streamStart.at("/run/runId").asText());
        assertThat(snapshotEnd.at("/run/facets/meshspine_run/kind").asText()).isEqualTo("cdc-snapshot");
        assertThat(snapshotEnd.at("/run/facets/meshspine_run/rowsIn").asLong()).isEqualTo(snapshotRows);
        assertThat(snapshotEnd.at("/run/facets/meshspine_run/rowsOut").asLong()).isEqualTo(snapshotRows);
        assertThat(streamEnd.at("/run/runId").asText()).isEqualTo(streamStart.at("/run/runId").asText());
        assertThat(streamEnd.at("/run/facets/meshspine_run/kind").asText()).isEqualTo("cdc-stream");
        assertThat(streamEnd.at("/run/facets/meshspine_run/rowsOut").asLong()).isEqualTo(changes);
        assertThat(streamEnd.at("/run/facets/meshspine_run/deadLettered").asLong()).isZero();
        assertThat(streamEnd.at("/job/facets/jobType/processingType").asText()).isEqualTo("STREAMING");
        for (JsonNode e : List.of(snapshotEnd, streamEnd)) {
            assertThat(e.at("/inputs/0/namespace").asText()).isEqualTo("postgres://127.0.0.1:5432");
            assertThat(e.at("/inputs/0/name").asText()).isEqualTo(database + ".public.customers");
            assertThat(e.at("/outputs/0/name").asText()).isEqualTo(contract.rawTopic());
            assertThat(e.at("/outputs/0/facets/ownership/owners/0/name").asText()).isEqualTo("team:" + contract.team().name());
            assertThat(e.at("/outputs/1/name").asText()).isEqualTo(Topics.DLQ);
        }
    }

    @Test
    void anAddedColumnIsANewCompatibleVersion_aDroppedRequiredColumnStopsThatTableAndKeepsItsLaterChangesOnTheDlq(SpineTestKit kit) {
        Contract contract = freshContract(kit);
        provisionDlq(kit, contract);
        ChangeRecords topic = new ChangeRecords(kit, contract);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        ApicurioClient registry = new ApicurioClient(kit.registryUrl());
        String valueArtifact = ContractRegistrar.valueArtifact(contract.rawTopic());
        try (PostgresTestDatabase db = new PostgresTestDatabase(); TopicReader dlq = new TopicReader(kit, Topics.DLQ)) {
            CdcConfig config = config(kit, contract, db);
            db.execute(PostgresTestDatabase.insert("C1", "Ada", "Lovelace", "ada@example.com"));
            try (CdcLane lane = CdcLane.start(config, List.of(contract), meters)) {
                ChangeRecords.Change first = topic.await(1).get(0);
                assertThat(first.writer().getField("after").schema().getTypes().get(1).getField("loyalty_tier")).isNull();

                db.execute("ALTER TABLE public.customers ADD COLUMN loyalty_tier text",
                        "INSERT INTO public.customers (customer_id, first_name, last_name, loyalty_tier) VALUES ('C2', 'Alan', 'Turing', 'GOLD')");
                ChangeRecords.Change widened = topic.await(2).get(1);
                Schema row = widened.writer().getField("after").schema().getTypes().get(1);
                assertThat(row.getFullName()).isEqualTo(contract.avroSchema().getFullName());
                assertThat(row.getField("loyalty_tier").schema().isNullable()).isTrue();
                assertThat(row.getField("loyalty_tier").defaultVal()).isEqualTo(org.apache.avro.JsonProperties.NULL_VALUE);
                assertThat(widened.writerId()).isNotEqualTo(first.writerId());
                assertThat(widened.after("last_name")).hasToString("Turing");
                assertThat(registry.versions(contract.domain(), valueArtifact)).hasSize(2);

                db.execute("ALTER TABLE public.customers DROP COLUMN last_name",
                        "INSERT INTO public.customers (customer_id, first_name) VALUES ('C3', 'Grace')",
                        "INSERT INTO public.customers (customer_id, first_name) VALUES ('C4', 'Edsger')");
                await().atMost(Duration.ofSeconds(30)).until(() -> lane.state(contract.qualifiedName()).orElseThrow() == CaptureState.STOPPED_INCOMPATIBLE);
                assertThat(lane.stopDetail(contract.qualifiedName()).orElseThrow()).contains("last_name").contains("customers");
                assertThat(meters.get("spine.cdc.capture.stopped").tag("contract", contract.qualifiedName())
                        .tag("reason", "incompatible_schema").gauge().value()).isEqualTo(1.0);

                // Nothing of the incompatible change, nor of what came after it, reached the raw topic: both are on the DLQ,
                // as Debezium's JSON, with their source positions.
                List<DeadLetter> dead = await().atMost(Duration.ofSeconds(30)).until(() -> deadLetters(kit, dlq, contract), l -> l.size() >= 2);
                assertThat(dead).hasSize(2).allSatisfy(d -> {
                    assertThat(d.failureType()).isEqualTo(FailureType.SCHEMA);
                    assertThat(d.id()).startsWith("cdc:postgres:" + db.name() + ":");
                    assertThat(d.message()).contains("last_name").contains("./spine cdc snapshot " + contract.id());
                    assertThat(d.original().topic()).isEqualTo(contract.rawTopic());
                    assertThat(d.original().headers()).extracting(OriginalRecord.Header::key).contains(SpineHeaders.SOURCE_POSITION);
                });
                assertThat(dead).extracting(d -> new String(d.original().value(), java.nio.charset.StandardCharsets.UTF_8))
                        .satisfiesExactly(v -> assertThat(v).contains("\"Grace\"").contains("\"op\":\"c\""),
                                v -> assertThat(v).contains("\"Edsger\""));
                assertThat(topic.await(2)).hasSize(2);
            }

            // The contract is fixed (last_name becomes optional): after a restart the table's changes flow again.
            Schema fixed = optionalLastName(contract.avroSchema());
            Contract fixedContract = ContractFixtures.withDomainAndSchema(contract, contract.domain(), fixed);
            db.execute("INSERT INTO public.customers (customer_id, first_name) VALUES ('C5', 'Barbara')");
            try (CdcLane lane = CdcLane.start(config, List.of(fixedContract), new SimpleMeterRegistry())) {
                List<ChangeRecords.Change> all = new ChangeRecords(kit, fixedContract).await(3);
                assertThat(all).extracting(ChangeRecords.Change::brief).containsExactly("r:C1", "c:C2", "c:C5");
                assertThat(all.get(2).after("last_name")).isNull();
                assertThat(lane.state(fixedContract.qualifiedName())).contains(CaptureState.RUNNING);
            }
        }
    }

    private static void provisionDlq(SpineTestKit kit, Contract contract) {
        new TopicProvisioner(kit.admin(), (short) 1).provision(TopicCatalogue.of(List.of(contract)).topics().stream()
                .filter(t -> t.name().equals(Topics.DLQ)).toList());
    }

    private static Schema optionalLastName(Schema schema) {
        List<Schema.Field> fields = schema.getFields().stream().map(f -> f.name().equals("last_name")
                ? new Schema.Field(f.name(), SchemaBuilder.unionOf().nullType().and().stringType().endUnion(), f.doc(),
                Schema.Field.NULL_DEFAULT_VALUE)
                : new Schema.Field(f, f.schema())).toList();
        return Schema.createRecord(schema.getName(), schema.getDoc(), schema.getNamespace(), false, fields);
    }

    @Test
    void aChangeTooLargeForTheRawTopicIsDeadLetteredWithItsBytes_andTheCaptureGoesOn(SpineTestKit kit) {
        Contract contract = freshContract(kit);
        // The DLQ as the catalogue declares it: it takes records larger than any data topic does.
        new TopicProvisioner(kit.admin(), (short) 1).provision(TopicCatalogue.of(List.of(contract)).topics().stream()
                .filter(t -> t.name().equals(Topics.DLQ)).toList());
        ChangeRecords topic = new ChangeRecords(kit, contract);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (PostgresTestDatabase db = new PostgresTestDatabase(); TopicReader dlq = new TopicReader(kit, Topics.DLQ)) {
            CdcConfig config = config(kit, contract, db);
            db.execute(PostgresTestDatabase.insert("C1", "Ada", "Lovelace", "ada@example.com"));
            try (CdcLane lane = CdcLane.start(config, List.of(contract), meters)) {
                assertThat(topic.await(1)).extracting(ChangeRecords.Change::brief).containsExactly("r:C1");

                // 1.92 MB of random hex: lz4 cannot bring it under the raw topic's 1 MB limit.
                db.execute("UPDATE public.customers SET address_line = (SELECT string_agg(md5(random()::text), '') "
                                + "FROM generate_series(1, 60000)) WHERE customer_id = 'C1'",
                        PostgresTestDatabase.insert("C2", "Alan", "Turing", "alan@example.com"));

                // The change after the refused one arrives: the table's capture did not stop.
                List<ChangeRecords.Change> raw = await().atMost(Duration.ofSeconds(60)).until(() -> distinctByPosition(topic.await(2)),
                        changes -> changes.size() >= 2);
                assertThat(raw).extracting(ChangeRecords.Change::brief).containsExactly("r:C1", "c:C2");
                assertThat(lane.state(contract.qualifiedName())).contains(CaptureState.RUNNING);

                List<DeadLetter> dead = await().atMost(Duration.ofSeconds(30)).until(() -> deadLetters(kit, dlq, contract), l -> !l.isEmpty());
                assertThat(dead).hasSize(1);
                DeadLetter d = dead.get(0);
                assertThat(d.failureType()).isEqualTo(FailureType.PROCESSING);
                assertThat(d.stage()).isEqualTo("cdc-lane");
                assertThat(d.id()).startsWith("cdc:postgres:" + db.name() + ":");
                assertThat(d.message()).contains("customers").contains(contract.rawTopic()).contains("RecordTooLargeException");
                assertThat(d.original().topic()).isEqualTo(contract.rawTopic());
                // The original bytes are the change envelope as sent: it decodes, and holds the whole row.
                ChangeRecords.Change refused = topic.decode(new ConsumerRecord<>(contract.rawTopic(), 0, 0L, d.original().key(), d.original().value()));
                assertThat(refused.brief()).isEqualTo("u:C1");
                assertThat(refused.after("address_line").toString()).hasSize(60_000 * 32);
                assertThat(d.original().headers()).extracting(OriginalRecord.Header::key).contains(SpineHeaders.SOURCE_POSITION);
                assertThat(meters.get("spine.cdc.changes.dead.lettered").tag("contract", contract.qualifiedName()).counter().count())
                        .isEqualTo(1.0);
            }
        }
    }

    /** A change re-sent after a refusal of one before it carries the same source position: count it once. */
    private static List<ChangeRecords.Change> distinctByPosition(List<ChangeRecords.Change> changes) {
        java.util.Map<String, ChangeRecords.Change> byPosition = new java.util.LinkedHashMap<>();
        changes.forEach(c -> byPosition.putIfAbsent(c.position(), c));
        return List.copyOf(byPosition.values());
    }

    private static List<DeadLetter> deadLetters(SpineTestKit kit, TopicReader dlq, Contract contract) {
        RegistrySchemas registry = new RegistrySchemas(new ApicurioClient(kit.registryUrl()));
        return dlq.drain().stream().map(r -> {
            try {
                Schema writer = registry.byContentId(WireFormat.schemaId(r.value()).orElseThrow());
                return DeadLetterCodec.fromAvro(new GenericDatumReader<GenericRecord>(writer, DeadLetterCodec.SCHEMA).read(null,
                        DecoderFactory.get().binaryDecoder(r.value(), WireFormat.HEADER_LENGTH, r.value().length - WireFormat.HEADER_LENGTH, null)));
            } catch (Exception e) {
                throw new AssertionError("a dead letter that does not decode", e);
            }
        }).filter(d -> contract.qualifiedName().equals(d.contract())).toList();
    }
}
