package io.meshspine.ingest.cdc;

import io.meshspine.core.contract.Contract;
import io.meshspine.ingest.cdc.internal.ConnectorProperties;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import com.fasterxml.jackson.databind.JsonNode;
import io.meshspine.core.lineage.LineageConfig;
import io.meshspine.testkit.LineageSpec;
import java.nio.file.Path;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Incremental snapshots on demand (what `./spine cdc snapshot` asks): the table or a slice re-read while streaming goes on. */
@ExtendWith(SpineExtension.class)
class IncrementalSnapshotTest {

    @Test
    void postgres_aSliceThenTheWholeTableIsReReadWhileChangesStillStream(SpineTestKit kit) throws Exception {
        Contract customers = CdcContracts.customers(kit, "customers");
        try (PostgresTestDatabase db = new PostgresTestDatabase()) {
            db.execute(PostgresTestDatabase.insert("C1", "Ada", "Lovelace", "ada@example.com"),
                    PostgresTestDatabase.insert("C2", "Alan", "Turing", "alan@example.com"),
                    "UPDATE public.customers SET state = 'VIC' WHERE customer_id = 'C2'");
            CdcConfig config = CdcConfig.defaults(kit.bootstrapServers(), kit.registryUrl()).withDatabase(customers.id(), db.name())
                    .withOffsetFlushInterval(Duration.ZERO);
            db.dropsSlot(ConnectorProperties.slotName(config, customers));
            ChangeRecords topic = new ChangeRecords(kit, customers);
            try (CdcLane lane = CdcLane.start(config, List.of(customers), new SimpleMeterRegistry())) {
                assertThat(topic.await(2)).extracting(ChangeRecords.Change::brief).containsExactlyInAnyOrder("r:C1", "r:C2");

                String id = SnapshotRequest.of(config, List.of(customers), customers, Optional.of("state = 'VIC'")).send(config.postgres());
                assertThat(id).startsWith("spine-snapshot-");
                db.execute(PostgresTestDatabase.insert("C3", "Grace", "Hopper", "grace@example.com"));
                List<ChangeRecords.Change> afterSlice = topic.await(4).subList(2, 4);
                assertThat(afterSlice).extracting(ChangeRecords.Change::brief).containsExactlyInAnyOrder("r:C2", "c:C3");
                ChangeRecords.Change reRead = afterSlice.stream().filter(c -> c.op().equals("r")).findFirst().orElseThrow();
                assertThat(reRead.after("state")).hasToString("VIC");
                assertThat(reRead.source().get("snapshot")).isEqualTo(true);

                SnapshotRequest.of(config, List.of(customers), customers, Optional.empty()).send(config.postgres());
                List<ChangeRecords.Change> whole = topic.await(7).subList(4, 7);
                assertThat(whole).extracting(ChangeRecords.Change::brief).containsExactlyInAnyOrder("r:C1", "r:C2", "r:C3");
                assertThat(lane.state(customers.qualifiedName())).contains(CaptureState.RUNNING);
            }
        }
    }

    @Test
    void mariadb_aSliceIsReReadWhileChangesStillStream_eachSnapshotARunOfItsOwn(SpineTestKit kit, @TempDir Path lineageDir) throws Exception {
        Contract services = CdcContracts.services(kit, "services");
        try (MariaDbTestDatabase db = new MariaDbTestDatabase()) {
            db.createServices("services");
            db.execute(db.insert("services", 1, "ACTIVE", "1.00"), db.insert("services", 2, "SUSPENDED", "2.00"),
                    db.insert("services", 3, "ACTIVE", "3.00"));
            CdcConfig config = CdcConfig.defaults(kit.bootstrapServers(), kit.registryUrl()).withDatabase(services.id(), db.name())
                    .withOffsetFlushInterval(Duration.ZERO);
            ChangeRecords topic = new ChangeRecords(kit, services);
            Path events = lineageDir.resolve("events.jsonl");
            try (CdcLane lane = CdcLane.start(config, List.of(services), new SimpleMeterRegistry(), LineageConfig.toFile(events))) {
                topic.await(3);
                SnapshotRequest.of(config, List.of(services), services, Optional.of("status = 'ACTIVE'")).send(config.mariadb());
                db.execute(db.insert("services", 4, "PENDING", "NULL"));
                assertThat(topic.await(6).subList(3, 6)).extracting(ChangeRecords.Change::brief)
                        .containsExactlyInAnyOrder("r:1", "r:3", "c:4");
                assertThat(lane.state(services.qualifiedName())).contains(CaptureState.RUNNING);
                // The initial snapshot (three rows) and the slice (two) are two runs; the slice ends once the engine is
                // done with it, while the capture streams on.
                String job = "cdc." + services.qualifiedName() + ".snapshot";
                await("both snapshot runs complete").atMost(Duration.ofSeconds(30)).until(() -> java.nio.file.Files.exists(events)
                        && LineageSpec.readLines(events).stream().filter(e -> e.at("/job/name").asText().equals(job)
                        && e.path("eventType").asText().equals("COMPLETE")).count() == 2);
            }
            List<JsonNode> all = LineageSpec.readLines(events);
            assertThat(all).allSatisfy(e -> assertThat(LineageSpec.violations(e)).as(e.toString()).isEmpty());
            String job = "cdc." + services.qualifiedName() + ".snapshot";
            assertThat(all).filteredOn(e -> e.at("/job/name").asText().equals(job) && e.path("eventType").asText().equals("COMPLETE"))
                    .extracting(e -> e.at("/run/facets/meshspine_run/rowsOut").asLong()).containsExactly(3L, 2L);
            JsonNode stream = all.stream().filter(e -> e.at("/job/name").asText().equals("cdc." + services.qualifiedName())
                    && e.path("eventType").asText().equals("COMPLETE")).findFirst().orElseThrow();
            assertThat(stream.at("/run/facets/meshspine_run/rowsOut").asLong()).isEqualTo(1);
            assertThat(stream.at("/inputs/0/namespace").asText()).isEqualTo("mysql://127.0.0.1:3306");
            assertThat(stream.at("/inputs/0/name").asText()).isEqualTo(db.name() + ".services");
        }
    }
}
