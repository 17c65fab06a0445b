package io.meshspine.ingest.event;

import io.meshspine.core.SpineHeaders;
import io.meshspine.core.avro.AvroJson;
import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.avro.WireFormat;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.registry.ApicurioClient;
import io.meshspine.core.topic.TopicCatalogue;
import io.meshspine.core.topic.TopicProvisioner;
import io.meshspine.core.topic.TopicRole;
import io.meshspine.testkit.ContractFixtures;
import io.meshspine.testkit.FreePorts;
import io.meshspine.testkit.SamplePayments;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The event lane on the real broker and registry: what fits the contract is published as Avro, the rest is reported. */
@ExtendWith(SpineExtension.class)
class EventPublisherTest {

    @Test
    void lines_that_fit_the_contract_are_published_as_avro_and_the_others_are_rejected_naming_line_and_field(SpineTestKit kit) throws Exception {
        Contract contract = paymentsInFreshDomain(kit, "event");
        SamplePayments samples = new SamplePayments(contract.avroSchema());
        GenericRecord one = samples.valid(1, Instant.parse("2024-03-01T09:30:00Z"));
        GenericRecord two = samples.valid(2, Instant.parse("2024-03-01T09:31:00Z"));
        String input = AvroJson.toJson(one) + "\n"
                + "{\"transaction_id\":\"not-a-uuid\"}\n"
                + "\n"
                + AvroJson.toJson(two) + "\n"
                + AvroJson.toJson(two).put("amount", "12.345") + "\n"
                + AvroJson.toJson(two).put("surprise", 1) + "\n"
                + "{not json\n";

        List<PublishResult> results;
        try (EventPublisher publisher = EventPublisher.connect(contract, kit.bootstrapServers(), kit.registryUrl(), Duration.ofSeconds(20))) {
            results = publisher.publish(new BufferedReader(new StringReader(input)));
        }

        assertThat(results).hasSize(6);
        assertThat(results).filteredOn(r -> r instanceof PublishResult.Published).extracting(PublishResult::line).containsExactly(1L, 4L);
        assertThat(results).filteredOn(r -> r instanceof PublishResult.Rejected).map(r -> ((PublishResult.Rejected) r).describe())
                .containsExactly("line 2: field transaction_id: not a uuid",
                        "line 5: field amount: more than 2 decimal places for decimal(18,2)",
                        "line 6: field surprise: not a field of Transaction",
                        "line 7: not valid JSON (at column 2)");
        List<ConsumerRecord<byte[], byte[]>> records = kit.awaitRecords(contract.rawTopic(), 2, new ByteArrayDeserializer(),
                new ByteArrayDeserializer(), Duration.ofSeconds(20));
        assertThat(records).hasSize(2);
        RegistrySchemas registry = new RegistrySchemas(new ApicurioClient(kit.registryUrl()));
        assertThat(records).extracting(r -> decode(registry, r.value(), contract.avroSchema()).toString())
                .containsExactlyInAnyOrder(one.toString(), two.toString());
        assertThat(records).allSatisfy(r -> {
            assertThat(SpineHeaders.string(r.headers().lastHeader(SpineHeaders.SOURCE).value())).isEqualTo("event");
            assertThat(decode(registry, r.key(), contract.keySchema()).get("transaction_id").toString())
                    .isEqualTo(decode(registry, r.value(), contract.avroSchema()).get("transaction_id").toString());
        });
    }

    @Test
    void the_produce_command_exits_1_when_a_line_is_rejected_and_3_when_the_broker_is_unreachable(SpineTestKit kit, @TempDir Path dir) throws Exception {
        Contract contract = paymentsInFreshDomain(kit, "produce");
        Path contracts = writeContractsTree(dir.resolve("contracts"), contract);
        SamplePayments samples = new SamplePayments(contract.avroSchema());
        Path input = dir.resolve("feed.jsonl");
        Files.writeString(input, AvroJson.toJson(samples.valid(7, Instant.now().minusSeconds(60))) + "\n{\"amount\":1}\n");

        Run rejected = run("produce", contract.qualifiedName(), input.toString(), "--dir", contracts.toString(),
                "--bootstrap-servers", kit.bootstrapServers(), "--registry", kit.registryUrl());
        Run unreachable = run("produce", contract.id(), input.toString(), "--dir", contracts.toString(),
                "--bootstrap-servers", "127.0.0.1:" + FreePorts.next(), "--registry", kit.registryUrl(), "--timeout", "2");
        Run dryRun = run("produce", contract.id(), input.toString(), "--dir", contracts.toString(), "--dry-run");
        Run unknown = run("produce", "nope.nothing", input.toString(), "--dir", contracts.toString());

        assertThat(rejected.exit).as(rejected.err).isEqualTo(ProduceCommand.SOME_REJECTED);
        assertThat(rejected.out).contains("published 1 record(s) to " + contract.rawTopic()).contains("rejected 1 line(s)");
        assertThat(rejected.err).contains("line 2: field transaction_id: missing, and uuid is required");
        assertThat(unreachable.exit).as(unreachable.err).isEqualTo(ProduceCommand.UNREACHABLE);
        assertThat(unreachable.err).contains("cannot publish to " + contract.rawTopic());
        assertThat(dryRun.exit).isEqualTo(ProduceCommand.SOME_REJECTED);
        assertThat(dryRun.out).contains("would publish 1 record(s)");
        assertThat(unknown.exit).isEqualTo(ProduceCommand.USAGE);
        assertThat(kit.awaitRecords(contract.rawTopic(), 1, new ByteArrayDeserializer(), new ByteArrayDeserializer(), Duration.ofSeconds(20)))
                .hasSize(1);
    }

    @Test
    void publishing_to_an_unreachable_registry_is_reported_as_unavailable_not_as_bad_records(SpineTestKit kit) {
        Contract contract = paymentsInFreshDomain(kit, "noregistry");
        assertThatThrownBy(() -> EventPublisher.connect(contract, kit.bootstrapServers(), "http://127.0.0.1:" + FreePorts.next() + "/apis/registry/v3",
                Duration.ofSeconds(2))).isInstanceOf(PublishUnavailableException.class).hasMessageContaining("registry");
    }

    static Contract paymentsInFreshDomain(SpineTestKit kit, String prefix) {
        Contract contract = ContractFixtures.inFreshDomain(ContractCatalog.fromClasspath().find("payments.transactions", 1).orElseThrow(), prefix);
        new TopicProvisioner(kit.admin(), (short) 1).provision(TopicCatalogue.of(List.of(contract)).topics().stream()
                .filter(t -> t.role() == TopicRole.RAW).toList());
        return contract;
    }

    private static Path writeContractsTree(Path dir, Contract contract) throws Exception {
        Path source = Path.of("").toAbsolutePath().getParent().resolve("schemas/payments/transactions/v1");
        Path target = dir.resolve(contract.domain()).resolve("transactions/v1");
        Files.createDirectories(target);
        try (var files = Files.list(source)) {
            for (Path f : files.toList()) {
                Files.writeString(target.resolve(f.getFileName()), Files.readString(f)
                        .replace("id: payments.transactions", "id: " + contract.id()).replace("domain: payments", "domain: " + contract.domain()));
            }
        }
        return dir;
    }

    private record Run(int exit, String out, String err) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        CommandLine cli = new CommandLine(new ProduceCommand(o, e)).setOut(new java.io.PrintWriter(o, true)).setErr(new java.io.PrintWriter(e, true));
        int exit = cli.execute(java.util.Arrays.copyOfRange(args, 1, args.length));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static GenericRecord decode(RegistrySchemas registry, byte[] wire, Schema schema) {
        try {
            Schema writer = registry.byContentId(WireFormat.schemaId(wire).orElseThrow());
            return new GenericDatumReader<GenericRecord>(writer, schema).read(null,
                    DecoderFactory.get().binaryDecoder(wire, WireFormat.HEADER_LENGTH, wire.length - WireFormat.HEADER_LENGTH, null));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
