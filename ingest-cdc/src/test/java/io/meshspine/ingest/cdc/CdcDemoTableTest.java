package io.meshspine.ingest.cdc;

import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.ingest.cdc.internal.ConnectorProperties;
import io.meshspine.testkit.ContractFixtures;
import io.meshspine.testkit.SourceDatabases;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(SpineExtension.class)
class CdcDemoTableTest {

    @Test
    void theDemoTableIsCapturedWithItsSeedRowsAndTheChangesItKeepsMaking(SpineTestKit kit) throws Exception {
        SourceDatabases.postgres().close();
        Contract contract = ContractFixtures.inFreshDomain(ContractCatalog.fromClasspath().latest(CdcDemoTable.CONTRACT_ID).orElseThrow(), "cdcdemo");
        kit.createTopic(contract.rawTopic(), 1);
        String database = SpineTestKit.uniqueName("cdcdemo").replace('-', '_').toLowerCase();
        CdcConfig config = CdcConfig.defaults(kit.bootstrapServers(), kit.registryUrl()).withDatabase(contract.id(), database);
        try {
            assertThat(PostgresProbe.probe(config.postgres()).capturable()).isTrue();
            try (CdcDemoTable table = CdcDemoTable.create(config.postgres(), database);
                 CdcLane lane = CdcLane.start(config, List.of(contract), new SimpleMeterRegistry())) {
                assertThat(CdcDemoTable.create(config.postgres(), database).database()).isEqualTo(database);
                ChangeRecords topic = new ChangeRecords(kit, contract);
                assertThat(topic.await(5)).extracting(ChangeRecords.Change::op).containsExactly("r", "r", "r", "r", "r");
                table.startChanging(Duration.ofMillis(100));
                List<ChangeRecords.Change> changes = topic.await(10);
                assertThat(changes.subList(5, changes.size())).extracting(ChangeRecords.Change::op).isSubsetOf("c", "u", "d").isNotEmpty();
                assertThat(table.changesMade()).isGreaterThanOrEqualTo(changes.size() - 5L);
            }
        } finally {
            CdcDemoTable.drop(config.postgres(), database, ConnectorProperties.slotName(config, contract));
        }
    }

    @Test
    void theProbeSaysWhenNoPostgreSQLAnswers() throws Exception {
        int closedPort;
        try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        PostgresProbe.Reachability probe = PostgresProbe.probe(new SourceConnection("127.0.0.1", closedPort, "postgres", ""));
        assertThat(probe.capturable()).isFalse();
        assertThat(probe.detail()).startsWith("PostgreSQL not reachable at 127.0.0.1:" + closedPort);
    }
}
