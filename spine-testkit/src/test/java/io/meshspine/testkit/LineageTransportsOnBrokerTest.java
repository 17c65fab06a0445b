package io.meshspine.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.meshspine.core.contract.Team;
import io.meshspine.core.lineage.Datasets;
import io.meshspine.core.lineage.Facets;
import io.meshspine.core.lineage.InputDataset;
import io.meshspine.core.lineage.LineageConfig;
import io.meshspine.core.lineage.LineageEmitter;
import io.meshspine.core.lineage.LineageRun;
import io.meshspine.core.lineage.OutputDataset;
import io.meshspine.core.lineage.RunKind;
import io.meshspine.core.lineage.RunSummary;
import io.meshspine.core.lineage.TransportKind;
import io.meshspine.core.topic.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The lineage model and its three transports, each event checked against the OpenLineage spec by {@link LineageSpec}. */
@ExtendWith(SpineExtension.class)
class LineageTransportsOnBrokerTest {

    private static final Schema SCHEMA = SchemaBuilder.record("Loan").fields()
            .requiredString("application_id")
            .name("amount").doc("requested, in AUD").type().doubleType().noDefault()
            .name("submitted_at").type(org.apache.avro.LogicalTypes.timestampMillis().addToSchema(Schema.create(Schema.Type.LONG))).noDefault()
            .optionalString("status")
            .endRecord();

    /** One run of each ending, with the facets the services attach. */
    private static List<LineageRun> emitRuns(LineageEmitter emitter, String bootstrap, Path lake) {
        InputDataset raw = Datasets.kafkaInput(bootstrap, "raw.lending.loan_applications")
                .withInputFacet(Facets.DATA_QUALITY_METRICS, Facets.dataQualityMetrics(10))
                .withInputFacet(Facets.KAFKA_OFFSETS, Facets.kafkaOffsets(Map.of(0, new long[]{0, 9})));
        OutputDataset table = Datasets.storageOutput(lake.resolve("silver/lending/loan_applications_v1").toString())
                .withFacet(Facets.SCHEMA, Facets.schema(SCHEMA))
                .withFacet(Facets.OWNERSHIP, Facets.ownership(new Team("lending-data", "ann@bank.example")))
                .withFacet(Facets.VERSION, Facets.version("7"))
                .withOutputFacet(Facets.OUTPUT_STATISTICS, Facets.outputStatistics(8, 4096, 1));
        LineageRun ok = emitter.begin("lake-sink.silver.lending.loan_applications_v1", RunKind.COMMIT, null, List.of(raw), List.of());
        ok.complete(new RunSummary(RunKind.COMMIT, 10, 8, 2), List.of(raw), List.of(table));
        LineageRun gate = emitter.begin("gate.lending.loan_applications.v1", RunKind.GATE, null, List.of(raw), List.of());
        gate.running(new RunSummary(RunKind.GATE, 5, 4, 1), List.of(raw), List.of());
        gate.complete(new RunSummary(RunKind.GATE, 10, 8, 2), List.of(raw.withInputFacet(Facets.RULE_COUNTS,
                Facets.ruleCounts(10, 8, 2, Map.of("amount-positive", 2L, "status-known", 0L)))), List.of());
        LineageRun failed = emitter.begin("file-lane.lending.loan_applications", RunKind.FILE, null,
                List.of(Datasets.storageInput(lake.resolve("landing/a.csv").toString())), List.of());
        failed.fail("quarantined: header does not match the contract", new RunSummary(RunKind.FILE, 0, 0, 0), List.of(), List.of());
        failed.complete(null, List.of(), List.of()); // ignored: a run ends once
        return List.of(ok, gate, failed);
    }

    private static void assertConforming(List<JsonNode> events, List<LineageRun> runs) {
        assertThat(events).hasSize(7);
        events.forEach(e -> assertThat(LineageSpec.violations(e)).as(e.toString()).isEmpty());
        assertThat(events).extracting(e -> e.get("eventType").asText())
                .containsExactly("START", "COMPLETE", "START", "RUNNING", "COMPLETE", "START", "FAIL");
        assertThat(events).extracting(e -> e.at("/run/runId").asText()).containsExactly(
                runs.get(0).runId().toString(), runs.get(0).runId().toString(), runs.get(1).runId().toString(),
                runs.get(1).runId().toString(), runs.get(1).runId().toString(), runs.get(2).runId().toString(), runs.get(2).runId().toString());
        JsonNode complete = events.get(1);
        assertThat(complete.at("/job/namespace").asText()).isEqualTo("meshspine");
        assertThat(complete.at("/job/facets/jobType/processingType").asText()).isEqualTo("BATCH");
        assertThat(complete.at("/inputs/0/namespace").asText()).startsWith("kafka://127.0.0.1:");
        JsonNode out = complete.at("/outputs/0");
        assertThat(out.get("namespace").asText()).isEqualTo("file");
        assertThat(out.get("name").asText()).endsWith("/silver/lending/loan_applications_v1").startsWith("/");
        assertThat(out.at("/facets/schema/fields")).hasSize(4);
        assertThat(out.at("/facets/schema/fields/1/description").asText()).isEqualTo("requested, in AUD");
        assertThat(out.at("/facets/schema/fields/2/type").asText()).isEqualTo("timestamp-millis");
        assertThat(out.at("/facets/schema/fields/3/type").asText()).isEqualTo("string");
        assertThat(out.at("/facets/schema/_schemaURL").asText())
                .isEqualTo("https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet");
        assertThat(out.at("/facets/ownership/owners/0/name").asText()).isEqualTo("team:lending-data");
        assertThat(out.at("/outputFacets/outputStatistics/rowCount").asLong()).isEqualTo(8);
        assertThat(complete.at("/run/facets/meshspine_run/deadLettered").asLong()).isEqualTo(2);
        assertThat(events.get(3).at("/job/facets/jobType/processingType").asText()).isEqualTo("STREAMING");
        assertThat(events.get(4).at("/inputs/0/inputFacets/meshspine_ruleCounts/failuresByRule/amount-positive").asLong()).isEqualTo(2);
        assertThat(events.get(6).at("/run/facets/errorMessage/message").asText()).isEqualTo("quarantined: header does not match the contract");
    }

    @Test
    void everyTransportDeliversSpecConformingEventsAndFailuresNeverReachTheCaller(SpineTestKit kit, @TempDir Path dir) throws Exception {
        // file: JSON lines, directory created
        Path file = dir.resolve("lineage/events.jsonl");
        List<LineageRun> fileRuns;
        try (LineageEmitter emitter = LineageEmitter.start(LineageConfig.toFile(file), new SimpleMeterRegistry())) {
            fileRuns = emitRuns(emitter, kit.bootstrapServers(), dir);
            assertThat(emitter.flush(Duration.ofSeconds(10))).isTrue();
            assertThat(emitter.emitted()).isEqualTo(7);
        }
        assertConforming(LineageSpec.readLines(file), fileRuns);

        // kafka: spine.lineage keyed by run id
        new io.meshspine.core.topic.TopicProvisioner(kit.admin(), (short) 1).provision(io.meshspine.core.topic.TopicCatalogue.of(List.of()).topics().stream().filter(t -> t.name().equals(Topics.LINEAGE)).toList());
        LineageConfig kafka = LineageConfig.NONE.withTransport(TransportKind.KAFKA).withKafka(Map.of("bootstrap.servers", kit.bootstrapServers()));
        List<LineageRun> kafkaRuns;
        try (LineageEmitter emitter = LineageEmitter.start(kafka, new SimpleMeterRegistry())) {
            kafkaRuns = emitRuns(emitter, kit.bootstrapServers(), dir);
            assertThat(emitter.flush(Duration.ofSeconds(20))).isTrue();
            assertThat(emitter.failed()).isZero();
        }
        var mine = kafkaRuns.stream().map(r -> r.runId().toString()).toList();
        List<ConsumerRecord<String, String>> records = kit.awaitRecords(Topics.LINEAGE, 7, new StringDeserializer(), new StringDeserializer(),
                Duration.ofSeconds(30)).stream().filter(r -> mine.contains(r.key())).toList();
        assertConforming(records.stream().map(r -> LineageSpec.parse(r.value())).toList(), kafkaRuns);
        assertThat(records).allSatisfy(r -> assertThat(LineageSpec.parse(r.value()).at("/run/runId").asText()).isEqualTo(r.key()));

        // file + lineage.run-history: every event in the file and on spine.lineage (the run history's source), once each
        Path teed = dir.resolve("teed/events.jsonl");
        List<LineageRun> teedRuns;
        try (LineageEmitter emitter = LineageEmitter.start(LineageConfig.toFile(teed).withKafka(Map.of("bootstrap.servers", kit.bootstrapServers()))
                .withRunHistory(true), new SimpleMeterRegistry())) {
            teedRuns = emitRuns(emitter, kit.bootstrapServers(), dir);
            assertThat(emitter.flush(Duration.ofSeconds(20))).isTrue();
            assertThat(emitter.failed()).isZero();
        }
        assertConforming(LineageSpec.readLines(teed), teedRuns);
        var teedIds = teedRuns.stream().map(r -> r.runId().toString()).toList();
        // Flushed means acknowledged: the teed events are on the topic already, after the kafka leg's seven.
        assertThat(kit.awaitRecords(Topics.LINEAGE, 14, new StringDeserializer(), new StringDeserializer(), Duration.ofSeconds(30)).stream()
                .filter(r -> teedIds.contains(r.key()))).hasSize(7);

        // http: a Marquez-compatible endpoint that refuses the first POST; the emitter retries it
        List<String> bodies = new CopyOnWriteArrayList<>();
        AtomicInteger posts = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/v1/lineage", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            boolean refuse = posts.incrementAndGet() == 1;
            if (!refuse && "POST".equals(exchange.getRequestMethod())
                    && exchange.getRequestHeaders().getFirst("Content-Type").startsWith("application/json")) {
                bodies.add(new String(body, StandardCharsets.UTF_8));
            }
            exchange.sendResponseHeaders(refuse ? 503 : 201, -1);
            exchange.close();
        });
        server.start();
        try {
            URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/api/v1/lineage");
            List<LineageRun> httpRuns;
            try (LineageEmitter emitter = LineageEmitter.start(LineageConfig.NONE.withTransport(TransportKind.HTTP).withUrl(url), new SimpleMeterRegistry())) {
                httpRuns = emitRuns(emitter, kit.bootstrapServers(), dir);
                assertThat(emitter.flush(Duration.ofSeconds(20))).isTrue();
                assertThat(emitter.failed()).isZero();
            }
            assertThat(posts.get()).isEqualTo(8);
            assertConforming(bodies.stream().map(LineageSpec::parse).toList(), httpRuns);
        } finally {
            server.stop(0);
        }

        // an endpoint that is down: bounded retries, counted, the caller neither blocks nor sees an exception
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (LineageEmitter emitter = LineageEmitter.start(LineageConfig.NONE.withTransport(TransportKind.HTTP)
                .withUrl(URI.create("http://127.0.0.1:" + closedPort + "/api/v1/lineage")), meters)) {
            long t0 = System.nanoTime();
            emitRuns(emitter, kit.bootstrapServers(), dir);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(500));
            assertThat(emitter.flush(Duration.ofSeconds(30))).isTrue();
            assertThat(emitter.failed()).isEqualTo(7);
            assertThat(emitter.emitted()).isZero();
            assertThat(meters.get("spine.lineage.events.failed").tag("reason", "send").counter().count()).isEqualTo(7);
        }
    }
}
