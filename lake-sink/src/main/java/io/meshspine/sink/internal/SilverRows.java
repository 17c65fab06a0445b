package io.meshspine.sink.internal;

import io.meshspine.core.cdc.ChangeEvent;
import io.meshspine.core.contract.Contract;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Product records as Silver rows. A record that cannot become a row (it does not decode with the contract's schema,
 * a value does not fit its column, an upsert key is missing) is a {@link Change.Refused}: the sink dead-letters it
 * with failure type SINK and commits the rest of the batch.
 */
final class SilverRows {

    /** What one product record does to its Silver table. */
    sealed interface Change permits Change.Upsert, Change.Delete, Change.Refused {
        record Upsert(BusinessKey key, GenericRecord row) implements Change {
        }

        record Delete(BusinessKey key) implements Change {
        }

        record Refused(String reason) implements Change {
        }
    }

    private final Contract contract;
    private final RecordDecoder values;
    private final RecordDecoder keys;
    private final boolean upsert;

    SilverRows(Contract contract, RecordDecoder values, RecordDecoder keys, boolean upsert) {
        this.contract = contract;
        this.values = values;
        this.keys = keys;
        this.upsert = upsert;
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
                return new Change.Delete(key);
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
        return new Change.Upsert(upsert ? BusinessKey.of(v.record(), contract.keys()) : null, v.record());
    }

    private static boolean isDelete(ConsumerRecord<byte[], byte[]> r) {
        Header op = r.headers().lastHeader(ChangeEvent.OP_HEADER);
        return op != null && ChangeEvent.Op.DELETE.code().equals(new String(op.value(), StandardCharsets.UTF_8));
    }
}
