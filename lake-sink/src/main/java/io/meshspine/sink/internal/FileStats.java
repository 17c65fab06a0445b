package io.meshspine.sink.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * A data file's Delta statistics, as Delta writers gather them: the row count, and min / max / null count of the first
 * {@value #INDEXED_COLUMNS} columns (Delta's {@code dataSkippingNumIndexedCols}; partition columns are not in the file
 * and not counted), each rendered as the protocol says for its type ({@link StatValue}). Spark, Trino and Delta Kernel
 * skip files with them; upserts prune the files their keys cannot be in. Rendered as the JSON string AddFile carries.
 */
final class FileStats {

    static final int INDEXED_COLUMNS = 32;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<Column> columns = new ArrayList<>();
    private long rows;

    FileStats(Schema rowSchema, Collection<String> partitionColumns) {
        int indexed = 0;
        for (Schema.Field f : rowSchema.getFields()) {
            if (partitionColumns.contains(f.name())) {
                continue;
            }
            if (indexed >= INDEXED_COLUMNS) {
                break;
            }
            Schema s = f.schema().getType() == Schema.Type.UNION ? DeltaSchemas.nonNull(f.name(), f.schema()) : f.schema();
            indexed += leaves(s);
            StatValue kind = StatValue.of(s);
            if (kind != StatValue.NONE) {
                columns.add(new Column(f.name(), f.pos(), s, kind));
            }
        }
    }

    /** Delta counts a struct's leaf columns towards the indexed ones. */
    private static int leaves(Schema s) {
        if (s.getType() != Schema.Type.RECORD) {
            return 1;
        }
        int n = 0;
        for (Schema.Field f : s.getFields()) {
            Schema fs = f.schema();
            n += leaves(fs.getType() == Schema.Type.UNION ? DeltaSchemas.nonNull(f.name(), fs) : fs);
        }
        return n;
    }

    void add(GenericRecord row) {
        rows++;
        for (Column c : columns) {
            c.add(row.get(c.pos));
        }
    }

    long rows() {
        return rows;
    }

    /**
     * The stats as delta-standalone's AddFile wants them: JSON text inside a JSON string. Standalone writes the field
     * raw, so unquoted stats become an object in the log that its own reader then refuses (delta-io/connectors#380).
     */
    String toLogValue() {
        try {
            return JSON.writeValueAsString(toJson());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("numRecords", rows);
        if (!columns.isEmpty()) {
            ObjectNode min = root.putObject("minValues");
            ObjectNode max = root.putObject("maxValues");
            ObjectNode nulls = root.putObject("nullCount");
            for (Column c : columns) {
                nulls.put(c.name, c.nulls);
                if (c.hasMinMax()) {
                    c.kind.put(min, c.name, c.minValue(), false);
                    c.kind.put(max, c.name, c.maxValue(), true);
                }
            }
        }
        return root.toString();
    }

    /** The stats of an AddFile's JSON: the row count, and min / max of a column read back in its kind's order. */
    static final class Parsed {
        private final JsonNode root;

        private Parsed(JsonNode root) {
            this.root = root;
        }

        static Parsed of(String stats) {
            if (stats == null || stats.isBlank()) {
                return new Parsed(JSON.missingNode());
            }
            try {
                JsonNode root = JSON.readTree(stats);
                return new Parsed(root.isTextual() ? JSON.readTree(root.asText()) : root);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        long numRecords() {
            return root.path("numRecords").asLong(-1);
        }

        /** The column's min, or null when the file has none for it. */
        @SuppressWarnings("rawtypes")
        Comparable min(String column, StatValue kind) {
            return kind.fromJson(root.path("minValues").path(column));
        }

        @SuppressWarnings("rawtypes")
        Comparable max(String column, StatValue kind) {
            return kind.fromJson(root.path("maxValues").path(column));
        }
    }

    /**
     * One column's running min / max / null count. Called for every row of every file, so the common kinds keep
     * primitives (integral, date, timestamp: longs) or UTF-8 bytes (strings: Avro's Utf8 compares without a copy) and
     * only decimals and doubles box.
     */
    @SuppressWarnings({"rawtypes", "unchecked"})
    private static final class Column {
        final String name;
        final int pos;
        final Schema schema;
        final StatValue kind;
        final boolean longs;
        final boolean strings;
        final boolean decimals;
        final int scale;
        final boolean millis;
        long nulls;
        /** False once a value has no min/max (a NaN): the column keeps its null count only. */
        boolean usable;
        boolean seen;
        long minLong;
        long maxLong;
        byte[] minBytes;
        byte[] maxBytes;
        Comparable min;
        Comparable max;

        Column(String name, int pos, Schema schema, StatValue kind) {
            this.name = name;
            this.pos = pos;
            this.schema = schema;
            this.kind = kind;
            this.usable = kind != StatValue.NULL_COUNT_ONLY;
            this.longs = kind == StatValue.INTEGRAL || kind == StatValue.DATE || kind == StatValue.TIMESTAMP;
            this.strings = kind == StatValue.STRING;
            this.decimals = kind == StatValue.DECIMAL;
            this.scale = decimals ? ((org.apache.avro.LogicalTypes.Decimal) schema.getLogicalType()).getScale() : 0;
            this.millis = kind == StatValue.TIMESTAMP && schema.getLogicalType() instanceof org.apache.avro.LogicalTypes.TimestampMillis;
        }

        void add(Object v) {
            if (v == null) {
                nulls++;
                return;
            }
            if (!usable) {
                return;
            }
            if (longs) {
                long l = ((Number) v).longValue() * (millis ? 1000 : 1);
                if (!seen || l < minLong) {
                    minLong = l;
                }
                if (!seen || l > maxLong) {
                    maxLong = l;
                }
                seen = true;
            } else if (strings) {
                addString(v);
            } else if (decimals && v instanceof java.nio.ByteBuffer b) {
                addUnscaled(b.array(), b.arrayOffset() + b.position(), b.remaining());
            } else if (decimals && v instanceof org.apache.avro.generic.GenericFixed f) {
                addUnscaled(f.bytes(), 0, f.bytes().length);
            } else {
                Comparable c = kind.fromAvro(v, schema);
                if (c == null) {
                    usable = false;
                    return;
                }
                if (min == null || c.compareTo(min) < 0) {
                    min = c;
                }
                if (max == null || c.compareTo(max) > 0) {
                    max = c;
                }
                seen = true;
            }
        }

        /** UTF-8 byte order is the order Delta readers compare strings in. */
        private void addString(Object v) {
            byte[] bytes;
            int length;
            if (v instanceof org.apache.avro.util.Utf8 u) {
                bytes = u.getBytes();
                length = u.getByteLength();
            } else {
                bytes = v.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
                length = bytes.length;
            }
            if (!seen || java.util.Arrays.compareUnsigned(bytes, 0, length, minBytes, 0, minBytes.length) < 0) {
                minBytes = java.util.Arrays.copyOf(bytes, length);
            }
            if (!seen || java.util.Arrays.compareUnsigned(bytes, 0, length, maxBytes, 0, maxBytes.length) > 0) {
                maxBytes = java.util.Arrays.copyOf(bytes, length);
            }
            seen = true;
        }

        /** A decimal's unscaled two's-complement bytes, compared as they are (no BigDecimal per row). */
        private void addUnscaled(byte[] bytes, int offset, int length) {
            if (!seen || compareTwosComplement(bytes, offset, length, minBytes, 0, minBytes.length) < 0) {
                minBytes = java.util.Arrays.copyOfRange(bytes, offset, offset + length);
            }
            if (!seen || compareTwosComplement(bytes, offset, length, maxBytes, 0, maxBytes.length) > 0) {
                maxBytes = java.util.Arrays.copyOfRange(bytes, offset, offset + length);
            }
            seen = true;
        }

        boolean hasMinMax() {
            return usable && seen;
        }

        Object minValue() {
            return value(minLong, minBytes, min);
        }

        Object maxValue() {
            return value(maxLong, maxBytes, max);
        }

        private Object value(long l, byte[] bytes, Comparable other) {
            if (longs) {
                return l;
            }
            if (strings) {
                return new StatValue.Utf8Order(new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
            }
            if (decimals && bytes != null) {
                return new java.math.BigDecimal(bytes.length == 0 ? java.math.BigInteger.ZERO : new java.math.BigInteger(bytes), scale);
            }
            return other;
        }
    }

    /** Two big-endian two's-complement integers of any lengths, compared by value (the shorter one sign-extended). */
    static int compareTwosComplement(byte[] a, int aOff, int aLen, byte[] b, int bOff, int bLen) {
        boolean aNegative = aLen > 0 && a[aOff] < 0;
        boolean bNegative = bLen > 0 && b[bOff] < 0;
        if (aNegative != bNegative) {
            return aNegative ? -1 : 1;
        }
        int length = Math.max(aLen, bLen);
        int pad = aNegative ? 0xFF : 0x00;
        for (int i = 0; i < length; i++) {
            int x = i < length - aLen ? pad : a[aOff + i - (length - aLen)] & 0xFF;
            int y = i < length - bLen ? pad : b[bOff + i - (length - bLen)] & 0xFF;
            if (x != y) {
                return Integer.compare(x, y);
            }
        }
        return 0;
    }
}
