package io.meshspine.core.avro;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.EncoderFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.OptionalLong;

/**
 * The registry wire format the spine reads and writes: magic byte 0, a 4-byte big-endian registry content id, then
 * the Avro binary body. The Apicurio serdes write the same when configured with {@code apicurio.registry.use-id=contentId}.
 */
public final class WireFormat {

    public static final byte MAGIC = 0;
    public static final int HEADER_LENGTH = 5;
    /** Serde setting that makes Apicurio's serdes put content ids on the wire, as we do. */
    public static final String USE_CONTENT_ID = "contentId";

    /** Writers are immutable once built and costly to build (they walk the schema): one per schema, shared. */
    private static final java.util.Map<Schema, GenericDatumWriter<Object>> WRITERS = new java.util.concurrent.ConcurrentHashMap<>();

    private WireFormat() {
    }

    public static GenericDatumWriter<Object> writer(Schema schema) {
        return WRITERS.computeIfAbsent(schema, GenericDatumWriter::new);
    }

    /** The Avro binary body alone, without the wire-format header. */
    public static byte[] body(Schema schema, Object record) {
        return write(schema, record, false, 0);
    }

    /** The content id in the header, or empty when the bytes are not in the wire format. */
    public static OptionalLong schemaId(byte[] value) {
        if (value == null || value.length < HEADER_LENGTH || value[0] != MAGIC) {
            return OptionalLong.empty();
        }
        long id = ((value[1] & 0xFFL) << 24) | ((value[2] & 0xFFL) << 16) | ((value[3] & 0xFFL) << 8) | (value[4] & 0xFFL);
        return OptionalLong.of(id);
    }

    /** An already encoded Avro body behind the wire-format header. */
    public static byte[] withHeader(long contentId, byte[] body) {
        byte[] out = new byte[HEADER_LENGTH + body.length];
        out[0] = MAGIC;
        out[1] = (byte) (contentId >>> 24);
        out[2] = (byte) (contentId >>> 16);
        out[3] = (byte) (contentId >>> 8);
        out[4] = (byte) contentId;
        System.arraycopy(body, 0, out, HEADER_LENGTH, body.length);
        return out;
    }

    /** Encodes a record (GenericRecord or anything GenericDatumWriter takes) behind the wire-format header. */
    public static byte[] encode(long contentId, Schema schema, Object record) {
        return write(schema, record, true, contentId);
    }

    private static final ThreadLocal<EncodingBuffer> SCRATCH = ThreadLocal.withInitial(EncodingBuffer::new);

    private static byte[] write(Schema schema, Object record, boolean header, long contentId) {
        EncodingBuffer out = SCRATCH.get();
        out.reset();
        if (header) {
            out.writeHeader(contentId);
        }
        try {
            out.encoder = EncoderFactory.get().binaryEncoder(out, out.encoder);
            writer(schema).write(record, out.encoder);
            out.encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
