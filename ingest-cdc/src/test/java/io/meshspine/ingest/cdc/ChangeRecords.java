package io.meshspine.ingest.cdc;

import io.meshspine.core.SpineHeaders;
import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.avro.WireFormat;
import io.meshspine.core.cdc.ChangeEvent;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.registry.ApicurioClient;
import io.meshspine.testkit.SpineTestKit;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * Reads a CDC raw topic as the gate will: the writer schema fetched from the registry by the content id in the wire
 * format, resolved to the envelope around the contract's own schema.
 */
final class ChangeRecords {

    /** One change as a consumer of the raw topic sees it. */
    record Change(String op, GenericRecord key, GenericRecord before, GenericRecord after, GenericRecord source,
                  String position, String sourceHeader, String contractVersion, String correlationId, long writerId,
                  Schema writer) {

        String id() {
            return key.get(0).toString();
        }

        Object after(String field) {
            return after == null ? null : after.get(field);
        }

        Object before(String field) {
            return before == null ? null : before.get(field);
        }

        /** {@code op:id}, handy for asserting order. */
        String brief() {
            return op + ":" + id();
        }
    }

    private final SpineTestKit kit;
    private final Contract contract;
    private final RegistrySchemas schemas;

    ChangeRecords(SpineTestKit kit, Contract contract) {
        this.kit = kit;
        this.contract = contract;
        this.schemas = new RegistrySchemas(new ApicurioClient(kit.registryUrl()));
    }

    List<Change> await(int expected) {
        return kit.awaitRecords(contract.rawTopic(), expected, new ByteArrayDeserializer(), new ByteArrayDeserializer(),
                Duration.ofSeconds(60)).stream().map(this::decode).toList();
    }

    Change decode(ConsumerRecord<byte[], byte[]> r) {
        try {
            long valueId = WireFormat.schemaId(r.value()).orElseThrow();
            long keyId = WireFormat.schemaId(r.key()).orElseThrow();
            Schema writer = schemas.byContentId(valueId);
            GenericRecord value = read(r.value(), writer, ChangeEvent.envelope(contract.avroSchema()));
            GenericRecord key = read(r.key(), schemas.byContentId(keyId), contract.keySchema());
            return new Change(value.get(ChangeEvent.OP).toString(), key, (GenericRecord) value.get(ChangeEvent.BEFORE),
                    (GenericRecord) value.get(ChangeEvent.AFTER), (GenericRecord) value.get(ChangeEvent.SOURCE),
                    header(r, SpineHeaders.SOURCE_POSITION), header(r, SpineHeaders.SOURCE),
                    header(r, SpineHeaders.CONTRACT_VERSION), header(r, SpineHeaders.CORRELATION_ID), valueId, writer);
        } catch (RegistrySchemas.UnknownSchemaException e) {
            throw new AssertionError(e);
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : SpineHeaders.string(h.value());
    }

    private static GenericRecord read(byte[] wire, Schema writer, Schema reader) {
        try {
            byte[] body = Arrays.copyOfRange(wire, WireFormat.HEADER_LENGTH, wire.length);
            return new GenericDatumReader<GenericRecord>(writer, reader).read(null, DecoderFactory.get().binaryDecoder(body, null));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
