package io.meshspine.sink.internal;

import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.avro.WireFormat;
import io.meshspine.core.registry.RegistryUnavailableException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * Registry wire-format bytes to a record of one reader schema: the writer schema is fetched by content id (once), and
 * Avro resolution maps it onto the reader's. Not thread-safe: one per table, used by the sink's one thread.
 */
final class RecordDecoder {

    /** A decoded record, or why the bytes are not one (a permanent fault of the record). */
    record Decoded(GenericRecord record, long schemaId, String error) {
        boolean ok() {
            return error == null;
        }
    }

    private final RegistrySchemas schemas;
    private final Schema reader;
    private final Map<Long, GenericDatumReader<GenericRecord>> readers = new HashMap<>();
    private BinaryDecoder decoder;
    /** Decode into the record decoded last (see {@link #reusing}). */
    private boolean reuse;
    private GenericRecord last;

    RecordDecoder(RegistrySchemas schemas, Schema reader) {
        this.schemas = schemas;
        this.reader = reader;
    }

    /**
     * Every decode fills the record (and its strings and byte buffers) returned by the one before, instead of a new one:
     * for a caller that is done with a record before it decodes the next (an append table's writer lane, which hands the
     * row straight to Parquet, whose writer and {@link FileStats} copy what they keep). Saves the allocation and the
     * collection of one record graph per row.
     */
    RecordDecoder reusing() {
        this.reuse = true;
        return this;
    }

    Schema readerSchema() {
        return reader;
    }

    /** @throws RegistryUnavailableException the registry could not be asked: transient, the batch is retried */
    Decoded decode(byte[] value) {
        if (value == null || value.length == 0) {
            return new Decoded(null, -1, "empty value");
        }
        var id = WireFormat.schemaId(value);
        if (id.isEmpty()) {
            return new Decoded(null, -1, "not the registry wire format");
        }
        long schemaId = id.getAsLong();
        GenericDatumReader<GenericRecord> datumReader = readers.get(schemaId);
        if (datumReader == null) {
            try {
                Schema writer = schemas.byContentId(schemaId);
                // The contract's own schema needs no resolution: the plain reader is several times faster.
                datumReader = writer.equals(reader) ? new GenericDatumReader<>(reader) : new GenericDatumReader<>(writer, reader);
            } catch (RegistrySchemas.UnknownSchemaException e) {
                return new Decoded(null, schemaId, e.getMessage());
            }
            readers.put(schemaId, datumReader);
        }
        try {
            decoder = DecoderFactory.get().binaryDecoder(value, WireFormat.HEADER_LENGTH, value.length - WireFormat.HEADER_LENGTH, decoder);
            GenericRecord record = datumReader.read(reuse ? last : null, decoder);
            if (reuse) {
                last = record;
            }
            return new Decoded(record, schemaId, null);
        } catch (IOException | RuntimeException e) {
            last = null; // possibly half-filled
            if (e instanceof RegistryUnavailableException r) {
                throw r;
            }
            return new Decoded(null, schemaId, "does not decode with schema " + schemaId + " as " + reader.getFullName() + ": "
                    + e.getClass().getSimpleName());
        }
    }
}
