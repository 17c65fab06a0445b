package io.meshspine.gate.internal;

import io.meshspine.core.avro.WireFormat;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.EncoderFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * The product value of a record read as written (writer schema = the contract's) whose only change is masking: the
 * original body's bytes with the masked fields' encodings put in place of theirs, instead of encoding every field
 * again. The masked fields are encoded by Avro's own writer, the others are the bytes the producer wrote (what
 * re-encoding the decoded values gives back, Avro's binary encoding having one form per value).
 */
public final class MaskedEncoding {

    private final FieldSpans spans;
    private final int[] masked;
    private final GenericDatumWriter<Object>[] writers;
    private final ThreadLocal<Scratch> scratch;

    /** @param maskedPositions the positions of the top-level fields masking may change */
    @SuppressWarnings("unchecked")
    public MaskedEncoding(Schema schema, int[] maskedPositions) {
        this.spans = new FieldSpans(schema);
        this.masked = maskedPositions.clone();
        Arrays.sort(this.masked);
        this.writers = new GenericDatumWriter[masked.length];
        for (int i = 0; i < masked.length; i++) {
            writers[i] = new GenericDatumWriter<>(schema.getFields().get(masked[i]).schema());
        }
        this.scratch = ThreadLocal.withInitial(() -> new Scratch(spans.fieldCount()));
    }

    /**
     * The wire-format product value, or null when {@code wire}'s body is not one record of the schema (the caller then
     * encodes the record whole).
     *
     * @param wire   the raw value: wire-format header, then the body written with the contract's schema
     * @param record the same record as decoded, masked in place
     */
    public byte[] encode(long contentId, byte[] wire, GenericRecord record) {
        Scratch out = scratch.get();
        int[] ends = out.ends;
        if (!spans.ends(wire, WireFormat.HEADER_LENGTH, ends)) {
            return null;
        }
        out.reset();
        out.writeHeader(contentId);
        int copied = WireFormat.HEADER_LENGTH;
        try {
            for (int i = 0; i < masked.length; i++) {
                int field = masked[i];
                int start = field == 0 ? WireFormat.HEADER_LENGTH : ends[field - 1];
                out.write(wire, copied, start - copied);
                out.encoder = EncoderFactory.get().directBinaryEncoder(out, out.encoder);
                writers[i].write(record.get(field), out.encoder);
                copied = ends[field];
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.write(wire, copied, wire.length - copied);
        return out.toByteArray();
    }

    /** The buffer, its encoder and the field ends of the raw body, per thread. */
    private static final class Scratch extends io.meshspine.core.avro.EncodingBuffer {
        final int[] ends;

        Scratch(int fields) {
            this.ends = new int[fields];
        }
    }
}
