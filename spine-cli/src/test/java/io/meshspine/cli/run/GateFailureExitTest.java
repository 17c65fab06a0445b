package io.meshspine.cli.run;

import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.avro.WireFormat;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.registry.ApicurioClient;
import io.meshspine.core.registry.ContractRegistrar;
import io.meshspine.core.topic.TopicCatalogue;
import io.meshspine.core.topic.TopicProvisioner;
import io.meshspine.testkit.ChildJvm;
import io.meshspine.testkit.HttpFaultProxy;
import io.meshspine.testkit.SamplePayments;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** `./spine run gate` on a registry that starts refusing it: the process exits 1 after the grace, naming the fault. */
@ExtendWith(SpineExtension.class)
class GateFailureExitTest {

    @Test
    void a_gate_the_registry_refuses_exits_non_zero_after_the_grace_and_says_why(SpineTestKit kit, @TempDir Path dir) throws Exception {
        String domain = "payments_exit_" + Long.toHexString(System.nanoTime());
        Path contracts = writePaymentsContract(dir.resolve("contracts"), domain);
        Contract payments = ContractCatalog.load(contracts).latest(domain + ".transactions").orElseThrow();
        new TopicProvisioner(kit.admin(), (short) 1).provision(TopicCatalogue.of(List.of(payments)).topics());
        URI registry = URI.create(kit.registry().baseUrl());
        Path log = dir.resolve("gate.log");
        try (HttpFaultProxy proxy = new HttpFaultProxy(URI.create("http://" + registry.getHost() + ":" + registry.getPort()))) {
            Path config = dir.resolve("gate.properties");
            Files.writeString(config, String.join("\n", "kafka.bootstrap.servers=" + kit.bootstrapServers(),
                    "registry.url=" + proxy.baseUrl() + "/apis/registry/v3", "contracts.dir=" + contracts, "ops.port=0",
                    "ops.failed-exit-grace=2s", "gate.application-id=" + SpineTestKit.uniqueName("gate-exit"),
                    "gate.state-dir=" + dir.resolve("state"), "gate.hash-key=failure-exit-test-hash-key") + "\n");
            Process gate = new ProcessBuilder(ChildJvm.command(dir.resolve("tmp"), List.of("-Xmx384m"), "io.meshspine.cli.Spine",
                    "run", "gate", "--config", config.toString()))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                await("the gate runs").atMost(Duration.ofSeconds(90)).until(() -> Files.readString(log).contains("spine gate running"));
                proxy.answerAll(403);
                sendUnderANewWriterSchema(kit, payments);
                assertThat(gate.waitFor(90, TimeUnit.SECONDS)).as("the gate exits by itself").isTrue();
                assertThat(gate.exitValue()).isEqualTo(1);
                assertThat(Files.readString(log)).contains("spine gate failed").contains("permanent fault").contains("403");
            } finally {
                gate.destroyForcibly().waitFor();
            }
        }
    }

    private static void sendUnderANewWriterSchema(SpineTestKit kit, Contract payments) {
        List<Schema.Field> fields = new ArrayList<>();
        payments.avroSchema().getFields().forEach(f -> fields.add(new Schema.Field(f, f.schema())));
        fields.add(new Schema.Field("exit_points", Schema.createUnion(Schema.create(Schema.Type.NULL), Schema.create(Schema.Type.LONG)),
                null, Schema.Field.NULL_DEFAULT_VALUE));
        Schema newer = Schema.createRecord(payments.avroSchema().getName(), null, payments.avroSchema().getNamespace(), false, fields);
        long id = new RegistrySchemas(new ApicurioClient(kit.registryUrl()))
                .contentIdFor(payments.domain(), ContractRegistrar.valueArtifact(payments.rawTopic()), newer);
        GenericRecord valid = new SamplePayments(payments.avroSchema()).valid(1, Instant.now().minusSeconds(30));
        GenericRecord r = new GenericData.Record(newer);
        valid.getSchema().getFields().forEach(f -> r.put(f.name(), valid.get(f.name())));
        try (var producer = new KafkaProducer<>(kit.producerConfig(), new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(payments.rawTopic(), "k".getBytes(StandardCharsets.UTF_8), WireFormat.encode(id, newer, r)));
        }
    }

    private static Path writePaymentsContract(Path root, String domain) throws Exception {
        Path source = Path.of("").toAbsolutePath().getParent().resolve("schemas/payments/transactions/v1");
        Path target = root.resolve(domain).resolve("transactions/v1");
        Files.createDirectories(target);
        try (Stream<Path> files = Files.list(source)) {
            for (Path f : files.toList()) {
                Files.writeString(target.resolve(f.getFileName()), Files.readString(f)
                        .replace("id: payments.transactions", "id: " + domain + ".transactions").replace("domain: payments", "domain: " + domain));
            }
        }
        return root;
    }
}
