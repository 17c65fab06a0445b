package io.meshspine.core.render;

import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.avro.WireFormat;
import io.meshspine.core.registry.RegistryUnavailableException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;

import java.io.IOException;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bytes in the registry wire format to an Avro datum of its writer schema, or the reason they are not one. Bad bytes
 * are an outcome, never an exception; only an unreachable registry throws ({@link RegistryUnavailableException}).
 */
public final class WireDecoder {

    /** What a payload turned out to be. */
    public sealed interface Decoded {
    }

    /** @param datum the generic representation (no logical-type conversions): what {@code AvroJson} renders */
    public record Avro(long schemaId, Schema writer, Object datum) implements Decoded {
    }

    public record Undecodable(String reason) implements Decoded {
    }

    private record ReaderKey(Schema writer, Schema reader) {
    }

    private final RegistrySchemas schemas;
    private final Map<ReaderKey, GenericDatumReader<Object>> readers = new ConcurrentHashMap<>();

    public WireDecoder(RegistrySchemas schemas) {
        this.schemas = schemas;
    }

    /** Decodes with the writer schema the registry holds under the header's id. */
    public Decoded decode(byte[] wire) {
        return decode(wire, null);
    }

    /** Decodes into {@code reader} (Avro schema resolution), or with the writer schema alone when it is null. */
    public Decoded decode(byte[] wire, Schema reader) {
        if (wire.length == 0) {
            return new Undecodable("empty");
        }
        OptionalLong id = WireFormat.schemaId(wire);
        if (id.isEmpty()) {
            return new Undecodable("not the registry wire format (" + (wire[0] != WireFormat.MAGIC
                    ? "first byte is " + (wire[0] & 0xFF) + ", not the magic byte " + WireFormat.MAGIC
                    : "only " + wire.length + " bytes") + ")");
        }
        Schema writer;
        try {
            writer = schemas.byContentId(id.getAsLong());
        } catch (RegistrySchemas.UnknownSchemaException e) {
            return new Undecodable("unknown schema id " + id.getAsLong() + ": " + e.getMessage());
        }
        GenericDatumReader<Object> datumReader = readers.computeIfAbsent(new ReaderKey(writer, reader == null ? writer : reader),
                k -> new GenericDatumReader<>(k.writer(), k.reader()));
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(wire, WireFormat.HEADER_LENGTH, wire.length - WireFormat.HEADER_LENGTH, null);
        try {
            Object datum = datumReader.read(null, decoder);
            if (!decoder.isEnd()) {
                return new Undecodable("bytes left over after the record of schema id " + id.getAsLong());
            }
            return new Avro(id.getAsLong(), writer, datum);
        } catch (IOException | RuntimeException e) {
            return new Undecodable("the body does not decode with schema id " + id.getAsLong() + " (" + writer.getFullName() + "): "
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage()));
        }
    }
}
