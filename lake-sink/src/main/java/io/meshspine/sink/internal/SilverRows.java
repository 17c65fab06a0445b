package io.meshspine.sink.internal;

import io.meshspine.core.cdc.ChangeEvent;
import io.meshspine.core.contract.Contract;
import io.meshspine.sink.IncompatibleTableSchemaException;
import org.apache.avro.JsonProperties;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Product records as Silver rows. A record that cannot become a row (it does not decode with the contract's schema,
 * a value does not fit its column, an upsert key is missing) is a {@link Change.Refused}: the sink dead-letters it
 * with failure type SINK and commits the rest of the batch. Rows of an upsert table carry their change's
 * {@link SourceSequence} in {@link SourceSequence#COLUMN}, so the table itself knows how new each row is.
 */
final class SilverRows {

    /** What one product record does to its Silver table. */
    sealed interface Change permits Change.Upsert, Change.Delete, Change.Refused {
        /** @param sequence the change's {@link SourceSequence}, null when its record has none (append tables: always) */
        record Upsert(BusinessKey key, GenericRecord row, String sequence) implements Change, KeyChange {
        }

        record Delete(BusinessKey key, String sequence) implements Change, KeyChange {
            @Override
            public GenericRecord row() {
                return null;
            }
        }

        record Refused(String reason) implements Change {
        }
    }

    /** What an upsert batch keeps per key: the key's newest state (null row: deleted) and that change's sequence. */
    sealed interface KeyChange permits Change.Upsert, Change.Delete {
        GenericRecord row();

        String sequence();
    }

    private final Contract contract;
    private final RecordDecoder values;
    private final RecordDecoder keys;
    private final boolean upsert;
    private final Schema upsertRow;

    SilverRows(Contract contract, RecordDecoder values, RecordDecoder keys, boolean upsert) {
        this.contract = contract;
        this.values = values;
        this.keys = keys;
        this.upsert = upsert;
        this.upsertRow = upsert ? upsertRowSchema(values.readerSchema()) : null;
    }

    /**
     * The row of an upsert table: the contract's record and, last, the optional {@link SourceSequence#COLUMN} (so an
     * existing table gains it as a new nullable column, and its older rows read it as null).
     */
    static Schema upsertRowSchema(Schema contract) {
        if (contract.getField(SourceSequence.COLUMN) != null) {
            throw new IncompatibleTableSchemaException("contract schema " + contract.getFullName() + " declares field "
                    + SourceSequence.COLUMN + ", which the lake sink keeps for each upsert row's source sequence");
        }
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : contract.getFields()) {
            fields.add(new Schema.Field(f, f.schema()));
        }
        Schema optionalString = Schema.createUnion(Schema.create(Schema.Type.NULL), Schema.create(Schema.Type.STRING));
        fields.add(new Schema.Field(SourceSequence.COLUMN, optionalString,
                "Where the change that wrote this row sits in its source database's log (sorts in log order); null without one",
                JsonProperties.NULL_VALUE));
        Schema row = Schema.createRecord(contract.getName(), contract.getDoc(), contract.getNamespace(), false, fields);
        contract.getObjectProps().forEach(row::addProp);
        return row;
    }

    Change change(ConsumerRecord<byte[], byte[]> r) {
        BusinessKey key = null;
        if (upsert) {
            RecordDecoder.Decoded k = keys.decode(r.key());
            if (!k.ok()) {
                return new Change.Refused("business key: " + k.error());
            }
            key = BusinessKey.of(k.record(), contract.keys());
            if (r.value() == null || isDelete(r)) {
                return new Change.Delete(key, SourceSequence.of(r.headers()));
            }
        }
        RecordDecoder.Decoded v = values.decode(r.value());
        if (!v.ok()) {
            return new Change.Refused(v.error());
        }
        Optional<String> misfit = ColumnFit.problem(v.record());
        if (misfit.isPresent()) {
            return new Change.Refused(misfit.get());
        }
        if (!upsert) {
            return new Change.Upsert(null, v.record(), null);
        }
        String sequence = SourceSequence.of(r.headers());
        GenericData.Record row = new GenericData.Record(upsertRow);
        GenericRecord decoded = v.record();
        int n = decoded.getSchema().getFields().size();
        for (int i = 0; i < n; i++) {
            row.put(i, decoded.get(i));
        }
        row.put(n, sequence);
        return new Change.Upsert(BusinessKey.of(decoded, contract.keys()), row, sequence);
    }

    private static boolean isDelete(ConsumerRecord<byte[], byte[]> r) {
        Header op = r.headers().lastHeader(ChangeEvent.OP_HEADER);
        return op != null && ChangeEvent.Op.DELETE.code().equals(new String(op.value(), StandardCharsets.UTF_8));
    }
}
