package io.meshspine.gate.internal;

import org.apache.avro.Schema;

import java.util.List;

/**
 * Where each top-level field of an Avro record body ends in its bytes, found by skipping over the binary encoding
 * (varints, lengths, union indexes, array and map blocks) without building any value.
 */
final class FieldSpans {

    private final Schema[] fields;

    FieldSpans(Schema record) {
        List<Schema.Field> f = record.getFields();
        this.fields = new Schema[f.size()];
        for (int i = 0; i < fields.length; i++) {
            fields[i] = f.get(i).schema();
        }
    }

    int fieldCount() {
        return fields.length;
    }

    /**
     * Fills {@code ends[i]} with the offset just after field {@code i}.
     *
     * @return false when the bytes are not one record of this schema ending exactly at the end of {@code body}
     */
    boolean ends(byte[] body, int offset, int[] ends) {
        int[] pos = {offset};
        try {
            for (int i = 0; i < fields.length; i++) {
                skip(fields[i], body, pos);
                ends[i] = pos[0];
            }
        } catch (ArrayIndexOutOfBoundsException | IllegalStateException e) {
            return false;
        }
        return pos[0] == body.length;
    }

    private static void skip(Schema s, byte[] b, int[] pos) {
        switch (s.getType()) {
            case NULL -> { }
            case BOOLEAN -> advance(b, pos, 1);
            case INT, LONG, ENUM -> varint(b, pos);
            case FLOAT -> advance(b, pos, 4);
            case DOUBLE -> advance(b, pos, 8);
            case STRING, BYTES -> advance(b, pos, length(varint(b, pos)));
            case FIXED -> advance(b, pos, s.getFixedSize());
            case RECORD -> {
                for (Schema.Field f : s.getFields()) {
                    skip(f.schema(), b, pos);
                }
            }
            case UNION -> {
                long branch = varint(b, pos);
                if (branch < 0 || branch >= s.getTypes().size()) {
                    throw new IllegalStateException("union branch out of range");
                }
                skip(s.getTypes().get((int) branch), b, pos);
            }
            case ARRAY, MAP -> {
                for (long count = varint(b, pos); count != 0; count = varint(b, pos)) {
                    if (count < 0) {
                        // A block with its size in bytes: skipped whole.
                        count = -count;
                        long bytes = varint(b, pos);
                        advance(b, pos, length(bytes));
                        continue;
                    }
                    for (long i = 0; i < count; i++) {
                        if (s.getType() == Schema.Type.MAP) {
                            advance(b, pos, length(varint(b, pos)));
                            skip(s.getValueType(), b, pos);
                        } else {
                            skip(s.getElementType(), b, pos);
                        }
                    }
                }
            }
        }
    }

    private static int length(long n) {
        if (n < 0 || n > Integer.MAX_VALUE) {
            throw new IllegalStateException("negative or huge length");
        }
        return (int) n;
    }

    private static void advance(byte[] b, int[] pos, int n) {
        if (n > b.length - pos[0]) {
            throw new IllegalStateException("past the end");
        }
        pos[0] += n;
    }

    /** A zig-zag varint (Avro's int and long). */
    private static long varint(byte[] b, int[] pos) {
        long raw = 0;
        int shift = 0;
        int p = pos[0];
        while (true) {
            byte x = b[p++];
            raw |= (long) (x & 0x7F) << shift;
            if ((x & 0x80) == 0) {
                break;
            }
            shift += 7;
            if (shift > 63) {
                throw new IllegalStateException("varint too long");
            }
        }
        pos[0] = p;
        return (raw >>> 1) ^ -(raw & 1);
    }
}
