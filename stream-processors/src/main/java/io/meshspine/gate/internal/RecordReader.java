package io.meshspine.gate.internal;

import io.meshspine.core.cdc.ChangeEvent;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads record bodies written with any writer schema into the contract's schema (Avro schema resolution), deciding
 * once per writer schema id whether the two are compatible.
 */
public final class RecordReader {

    /** Why a body could not be read as the contract's record. */
    public static final class ReadFailure extends Exception {
        private final boolean schemaMismatch;

        ReadFailure(String message, boolean schemaMismatch) {
            super(message);
            this.schemaMismatch = schemaMismatch;
        }

        /** true: the writer schema cannot be resolved to the contract's; false: the bytes do not decode. */
        public boolean schemaMismatch() {
            return schemaMismatch;
        }
    }

    private sealed interface Resolution {
    }

    private record Readable(GenericDatumReader<GenericRecord> reader, boolean asWritten) implements Resolution {
    }

    private record Unreadable(String reason) implements Resolution {
    }

    private final Schema contractSchema;
    private final Map<Long, Resolution> byWriterId = new ConcurrentHashMap<>();
    private final ThreadLocal<BinaryDecoder> decoder = new ThreadLocal<>();

    public RecordReader(Schema contractSchema) {
        this.contractSchema = contractSchema;
    }

    public GenericRecord read(long writerId, Schema writer, byte[] wire, int offset) throws ReadFailure {
        Resolution resolution = byWriterId.computeIfAbsent(writerId, id -> resolve(writer));
        if (resolution instanceof Unreadable u) {
            throw new ReadFailure(u.reason(), true);
        }
        BinaryDecoder d = DecoderFactory.get().binaryDecoder(wire, offset, wire.length - offset, decoder.get());
        decoder.set(d);
        try {
            GenericRecord record = ((Readable) resolution).reader().read(null, d);
            if (!d.isEnd()) {
                throw new ReadFailure((wire.length - offset) + "-byte body has bytes left over after the record (schema id "
                        + writerId + ")", false);
            }
            return record;
        } catch (IOException | RuntimeException e) {
            throw new ReadFailure("body does not decode with schema id " + writerId + ": " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + e.getMessage()), false);
        }
    }

    /**
     * Whether bodies written with this (already read) schema id are the contract schema's own encoding, so the bytes
     * as written are the canonical form of the record they hold.
     */
    public boolean readsAsWritten(long writerId) {
        return byWriterId.get(writerId) instanceof Readable r && r.asWritten();
    }

    /** The schema records are read into. */
    public Schema schema() {
        return contractSchema;
    }

    private Resolution resolve(Schema writer) {
        SchemaCompatibility.SchemaPairCompatibility result = SchemaCompatibility.checkReaderWriterCompatibility(contractSchema, writer);
        if (result.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            return new Unreadable(incompatibility(contractSchema, writer));
        }
        // The common case, a producer on the contract's own schema, needs no resolution: a plain reader is cheaper.
        boolean same = writer.equals(contractSchema);
        return new Readable(same ? new GenericDatumReader<>(contractSchema) : new GenericDatumReader<>(writer, contractSchema), same);
    }
    /**
     * Why {@code writer} cannot be read as {@code reader}. For change envelopes the rows are compared, since Avro's own
     * verdict on the envelope stops at "reader union lacking writer type" and would not name the column.
     */
    private static String incompatibility(Schema reader, Schema writer) {
        if (ChangeEvent.isEnvelope(reader) && ChangeEvent.isEnvelope(writer)) {
            return "the table's row " + incompatibility(row(reader), row(writer));
        }
        StringBuilder why = new StringBuilder("writer schema " + writer.getFullName() + " cannot be read as the contract's "
                + reader.getFullName() + ":");
        SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getResult().getIncompatibilities()
                .forEach(i -> why.append(' ').append(i.getType()).append(" at ").append(i.getLocation()).append(" (")
                        .append(i.getMessage()).append(");"));
        return why.toString();
    }

    private static Schema row(Schema envelope) {
        return envelope.getField(ChangeEvent.AFTER).schema().getTypes().stream()
                .filter(t -> t.getType() == Schema.Type.RECORD).findFirst().orElse(envelope);
    }
}
