package io.meshspine.cli.run;

import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.avro.WireFormat;
import io.meshspine.core.config.SpineConfig;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.registry.ApicurioClient;
import io.meshspine.core.registry.ContractRegistrar;
import io.meshspine.core.render.WireDecoder;
import org.apache.avro.generic.GenericRecord;
import io.meshspine.core.topic.TopicCatalogue;
import io.meshspine.core.topic.TopicProvisioner;
import io.meshspine.testkit.ContractFixtures;
import io.meshspine.testkit.SamplePayments;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** `./spine run gate` twice on the same contracts: the instances split the partitions and every record passes once. */
@ExtendWith(SpineExtension.class)
class TwoGateInstancesTest {

    private static final int RECORDS = 400;

    @Test
    void two_gate_instances_share_the_raw_partitions_and_pass_every_record_exactly_once(SpineTestKit kit, @TempDir Path state) throws Exception {
        Contract payments = ContractFixtures.inFreshDomain(ContractCatalog.fromClasspath().latest("payments.transactions").orElseThrow(), "two");
        ContractCatalog contracts = ContractCatalog.of(List.of(payments));
        new TopicProvisioner(kit.admin(), (short) 1).provision(TopicCatalogue.of(contracts.contracts()).topics());
        new ContractRegistrar(new ApicurioClient(kit.registryUrl())).register(contracts.contracts());
        String applicationId = SpineTestKit.uniqueName("gate-pair");
        GateService gate = new GateService();

        try (ServiceHost first = ServiceHost.start(gate, settings(gate, kit, applicationId, state.resolve("a"), "a"), contracts);
             ServiceHost second = ServiceHost.start(gate, settings(gate, kit, applicationId, state.resolve("b"), "b"), contracts)) {
            await("both instances ready with partitions of their own").atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                assertThat(healthStatus(first)).isEqualTo(200);
                assertThat(healthStatus(second)).isEqualTo(200);
                ConsumerGroupDescription group = kit.admin().describeConsumerGroups(List.of(applicationId)).all().get().get(applicationId);
                assertThat(group.members()).hasSize(2)
                        .allSatisfy(m -> assertThat(rawPartitions(m, payments)).isNotEmpty());
            });

            produce(kit, payments);

            var out = kit.awaitRecords(payments.productTopic(), RECORDS, new ByteArrayDeserializer(), new ByteArrayDeserializer(), Duration.ofSeconds(60));
            WireDecoder decoder = new WireDecoder(new RegistrySchemas(new ApicurioClient(kit.registryUrl())));
            Set<String> ids = out.stream()
                    .map(r -> ((GenericRecord) ((WireDecoder.Avro) decoder.decode(r.value(), payments.avroSchema())).datum()).get("transaction_id").toString())
                    .collect(Collectors.toSet());
            assertThat(out).hasSize(RECORDS);
            assertThat(ids).hasSize(RECORDS);
            assertThat(first.metrics().scrape()).contains("spine_gate_records_passed_total");
            assertThat(passedBy(first) + passedBy(second)).isEqualTo(RECORDS);
            assertThat(passedBy(first)).isPositive();
            assertThat(passedBy(second)).isPositive();
        }
    }

    private static SpineConfig settings(GateService gate, SpineTestKit kit, String applicationId, Path stateDir, String instance) {
        return gate.definition().parse(Map.of(
                "kafka.bootstrap.servers", kit.bootstrapServers(),
                "registry.url", kit.registryUrl(),
                "ops.port", "0",
                "gate.application-id", applicationId,
                "gate.instance-id", applicationId + "-" + instance,
                "gate.state-dir", stateDir.toString(),
                "gate.hash-key", "two-instances-test-hash-key"));
    }

    private static Set<Integer> rawPartitions(MemberDescription member, Contract contract) {
        return member.assignment().topicPartitions().stream().filter(tp -> tp.topic().equals(contract.rawTopic()))
                .map(tp -> tp.partition()).collect(Collectors.toSet());
    }

    private static int healthStatus(ServiceHost host) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(host.opsUrl() + "/health")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static long passedBy(ServiceHost host) {
        return Math.round(host.metrics().registry().find("spine.gate.records.passed").counters().stream().mapToDouble(c -> c.count()).sum());
    }

    private static void produce(SpineTestKit kit, Contract payments) {
        RegistrySchemas registry = new RegistrySchemas(new ApicurioClient(kit.registryUrl()));
        long writerId = registry.contentIdFor(payments.domain(), ContractRegistrar.valueArtifact(payments.rawTopic()), payments.avroSchema());
        SamplePayments samples = new SamplePayments(payments.avroSchema());
        Map<String, Object> config = new HashMap<>(kit.producerConfig());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < RECORDS; i++) {
                var record = samples.valid(i, Instant.now().minusSeconds(30));
                producer.send(new ProducerRecord<>(payments.rawTopic(), record.get("transaction_id").toString().getBytes(StandardCharsets.UTF_8),
                        WireFormat.encode(writerId, payments.avroSchema(), record)));
            }
        }
    }
}
