package io.meshspine.core.cdc;

import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;

import java.util.Arrays;
import java.util.Optional;

/**
 * The CDC lane's value on a raw topic: one row change, with the row as the table had it before and after.
 *
 * <p>The envelope is built around a row schema. The CDC lane writes it with the row schema it derived from the table
 * (named as the contract's record, so Avro resolution matches it by name); the gate reads it with the envelope built
 * around the contract's schema, so a table that gained a nullable column still resolves, and one that lost a required
 * column does not. Deletes are an envelope with op {@code d}, {@code before} set and {@code after} null: the raw topic is
 * not compacted, so the lane writes no Kafka tombstone there; the gate turns a delete into a product-topic tombstone
 * (null value, key = business key) carrying {@link #OP_HEADER} {@code d}, which compacted consumers and the Silver
 * upsert read as "remove this key".
 */
public final class ChangeEvent {

    /** On product records from a CDC contract: the change's op, so consumers need not guess from a null value. */
    public static final String OP_HEADER = "spine.op";

    public static final String OP = "op";
    public static final String BEFORE = "before";
    public static final String AFTER = "after";
    public static final String SOURCE = "source";
    public static final String CAPTURED_AT = "captured_at";

    /** Fields of {@link #SOURCE}. */
    public static final String SOURCE_CONNECTOR = "connector";
    public static final String SOURCE_DATABASE = "database";
    public static final String SOURCE_TABLE = "table";
    /** LSN (PostgreSQL) or binlog {@code file:position:row} (MariaDB): orders changes and identifies re-deliveries. */
    public static final String SOURCE_POSITION = "position";
    public static final String SOURCE_TX_ID = "tx_id";
    public static final String SOURCE_COMMIT_TIME = "commit_time";
    public static final String SOURCE_SNAPSHOT = "snapshot";

    /** Debezium's op codes. */
    public enum Op {
        CREATE("c"), UPDATE("u"), DELETE("d"), READ("r");

        private final String code;

        Op(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }

        public static Optional<Op> fromCode(String code) {
            return Arrays.stream(values()).filter(o -> o.code.equals(code)).findFirst();
        }

        /** Whether the change leaves a row behind (everything but a delete). */
        public boolean hasAfter() {
            return this != DELETE;
        }
    }

    private ChangeEvent() {
    }

    /** The envelope around {@code row}: record {@code <row name>Change} in the row's namespace. */
    public static Schema envelope(Schema row) {
        if (row.getType() != Schema.Type.RECORD) {
            throw new IllegalArgumentException("a change event wraps a record schema, not " + row.getType());
        }
        Schema timestampMillis = LogicalTypes.timestampMillis().addToSchema(Schema.create(Schema.Type.LONG));
        Schema timestampMicros = LogicalTypes.timestampMicros().addToSchema(Schema.create(Schema.Type.LONG));
        Schema source = SchemaBuilder.record("ChangeSource").namespace("io.meshspine.cdc")
                .doc("Where the change came from in its database.")
                .fields()
                .requiredString(SOURCE_CONNECTOR)
                .requiredString(SOURCE_DATABASE)
                .requiredString(SOURCE_TABLE)
                .requiredString(SOURCE_POSITION)
                .optionalString(SOURCE_TX_ID)
                .name(SOURCE_COMMIT_TIME).type().unionOf().nullType().and().type(timestampMillis).endUnion().nullDefault()
                .name(SOURCE_SNAPSHOT).type().booleanType().booleanDefault(false)
                .endRecord();
        return SchemaBuilder.record(row.getName() + "Change").namespace(row.getNamespace())
                .doc("A change of one row of " + row.getFullName() + " (op c, u, d, or r for a snapshot read).")
                .fields()
                .requiredString(OP)
                .name(BEFORE).type().unionOf().nullType().and().type(row).endUnion().nullDefault()
                .name(AFTER).type().unionOf().nullType().and().type(row).endUnion().nullDefault()
                .name(SOURCE).type(source).noDefault()
                .name(CAPTURED_AT).type(timestampMicros).noDefault()
                .endRecord();
    }

    /** Whether {@code schema} is a change envelope (a writer on a CDC raw topic). */
    public static boolean isEnvelope(Schema schema) {
        return schema.getType() == Schema.Type.RECORD && schema.getField(OP) != null && schema.getField(AFTER) != null
                && schema.getField(SOURCE) != null;
    }
}
