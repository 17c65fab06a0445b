package io.meshspine.ingest.file;

import io.meshspine.testkit.TopicReader;
import io.meshspine.core.LineageHeaders;
import io.meshspine.core.SpineHeaders;
import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.avro.WireFormat;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.contract.CsvOptions;
import io.meshspine.core.contract.FileFormat;
import io.meshspine.core.contract.SourceBinding;
import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.core.deadletter.DeadLetterCodec;
import io.meshspine.core.registry.ApicurioClient;
import io.meshspine.core.topic.TopicCatalogue;
import io.meshspine.core.topic.TopicProvisioner;
import io.meshspine.core.topic.TopicRole;
import io.meshspine.core.topic.Topics;
import io.meshspine.testkit.ContractFixtures;
import io.meshspine.testkit.SpineTestKit;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** A loan-applications contract in a domain of its own, its topics on the real broker, a landing directory, and readers. */
final class FileLaneFixture implements AutoCloseable {

    final SpineTestKit kit;
    final Contract contract;
    final Path landing;
    final String transactionalId = SpineTestKit.uniqueName("file-lane");
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final RegistrySchemas registry;
    private final TopicReader raw;
    private final TopicReader dlq;

    FileLaneFixture(SpineTestKit kit, String prefix, Path landing) {
        this(kit, ContractFixtures.inFreshDomain(ContractCatalog.fromClasspath().find("lending.loan_applications", 1).orElseThrow(), prefix),
                landing);
    }

    FileLaneFixture(SpineTestKit kit, Contract contract, Path landing) {
        this.kit = kit;
        this.contract = contract;
        this.landing = landing;
        this.registry = new RegistrySchemas(new ApicurioClient(kit.registryUrl()));
        provision(kit, contract);
        this.raw = new TopicReader(kit, contract.rawTopic());
        this.dlq = new TopicReader(kit, Topics.DLQ);
    }

    static void provision(SpineTestKit kit, Contract contract) {
        new TopicProvisioner(kit.admin(), (short) 1).provision(TopicCatalogue.of(List.of(contract)).topics().stream()
                .filter(t -> t.role() == TopicRole.RAW || t.name().equals(Topics.DLQ) || t.name().equals(Topics.INGEST_FILES)).toList());
    }

    /** The same contract read from JSON Lines files under {@code <glob>}. */
    static Contract asJsonLines(Contract c, String glob) {
        return new Contract(c.id(), c.version(), c.majorVersion(), c.domain(), c.dataProduct(), c.purpose(), c.team(), c.classification(),
                c.avroSchema(), c.keys(), new SourceBinding.File(glob, FileFormat.JSONL, CsvOptions.DEFAULT), c.pii(), c.rules(), c.slos(),
                c.sink(), c.compatibility(), c.location());
    }

    FileLaneConfig config() {
        return FileLaneConfig.defaults(kit.bootstrapServers(), kit.registryUrl(), landing).withTransactionalId(transactionalId)
                .withPollInterval(Duration.ofMillis(200));
    }

    FileLane open() {
        return FileLane.open(config(), ContractCatalog.of(List.of(contract)), meters);
    }

    /** A lane that writes its run events to {@code events} (JSON lines). */
    FileLane open(Path events) {
        return FileLane.open(config().withLineage(io.meshspine.core.lineage.LineageConfig.toFile(events)), ContractCatalog.of(List.of(contract)), meters);
    }

    /** Writes a file under the landing root, at the contract's landing directory. */
    Path drop(String name, String content) throws IOException {
        Path file = landing.resolve("lending/loan_applications").resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
        return file;
    }

    List<ConsumerRecord<byte[], byte[]>> rawRecords() {
        return raw.drain();
    }

    List<GenericRecord> rawValues() {
        return rawRecords().stream().map(r -> decode(r.value(), contract.avroSchema())).toList();
    }

    /** Dead letters of this fixture's contract read so far (the DLQ is shared by every test on the broker). */
    List<DeadLetter> deadLetters() {
        return dlq.drain().stream().map(r -> DeadLetterCodec.fromAvro(decode(r.value(), DeadLetterCodec.SCHEMA)))
                .filter(d -> contract.qualifiedName().equals(d.contract())).toList();
    }

    GenericRecord decode(byte[] wire, Schema schema) {
        try {
            Schema writer = registry.byContentId(WireFormat.schemaId(wire).orElseThrow());
            return new GenericDatumReader<GenericRecord>(writer, schema).read(null,
                    DecoderFactory.get().binaryDecoder(wire, WireFormat.HEADER_LENGTH, wire.length - WireFormat.HEADER_LENGTH, null));
        } catch (Exception e) {
            throw new AssertionError("cannot decode a record the lane wrote", e);
        }
    }

    static String header(ConsumerRecord<?, ?> r, String key) {
        Header h = r.headers().lastHeader(key);
        return h == null ? null : SpineHeaders.string(h.value());
    }

    static String position(ConsumerRecord<?, ?> r) {
        return header(r, SpineHeaders.SOURCE_POSITION);
    }

    static long line(ConsumerRecord<?, ?> r) {
        return Long.parseLong(header(r, LineageHeaders.FILE_LINE));
    }

    double counter(String name) {
        var c = meters.find(name).counter();
        return c == null ? 0 : c.count();
    }

    @Override
    public void close() {
        raw.close();
        dlq.close();
    }
}
