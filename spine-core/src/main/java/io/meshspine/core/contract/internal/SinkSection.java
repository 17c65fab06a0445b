package io.meshspine.core.contract.internal;

import io.meshspine.core.contract.SilverMode;
import io.meshspine.core.contract.SinkSpec;
import io.meshspine.core.contract.internal.YamlNode.Mapping;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.apache.avro.Schema;

/** {@code sink}: how the lake keeps the product (Bronze or not, the Silver mode and partition column, retention). */
final class SinkSection {

    private final ContractFile file;

    SinkSection(ContractFile file) {
        this.file = file;
    }

    SinkSpec read(Mapping top, Schema schema) {
        Mapping m = file.requiredMapping(top, "sink", "");
        if (m == null) {
            return null;
        }
        file.unknownKeys(m, "sink", Set.of("bronze", "silver", "retention"));
        Boolean bronze = file.bool(m, "bronze", "sink", true);
        Duration retention = file.duration(m, "retention", "sink", null);
        if (retention == null && m.get("retention") == null) {
            file.problem(m.line(), null, "sink.retention: missing (how long records are kept, e.g. 7y)");
        }
        Mapping silver = file.requiredMapping(m, "silver", "sink");
        SilverMode mode = null;
        Optional<String> partition = Optional.empty();
        if (silver != null) {
            file.unknownKeys(silver, "sink.silver", Set.of("mode", "partitionColumn"));
            mode = file.enumValue(silver, "mode", "sink.silver", SilverMode.values(), SilverMode::fromConfig, null);
            partition = file.optionalString(silver, "partitionColumn", "sink.silver");
            if (partition.isPresent() && schema != null) {
                Schema.Field f = schema.getField(partition.get());
                if (f == null) {
                    file.problem(silver.lineOf("partitionColumn"), partition.get(), "sink.silver.partitionColumn: no such field in schema "
                            + schema.getFullName());
                } else {
                    FieldType type = FieldType.of(f.schema());
                    if (!(type.kind().isTextual() || type.kind() == FieldType.Kind.DATE || type.kind() == FieldType.Kind.INT
                            || type.kind() == FieldType.Kind.LONG || type.kind() == FieldType.Kind.BOOLEAN)) {
                        file.problem(silver.lineOf("partitionColumn"), partition.get(), "sink.silver.partitionColumn: partition by a date, string, "
                                + "int, long or boolean field, not " + type.describe());
                    }
                }
            }
        }
        if (bronze == null || retention == null || mode == null) {
            return null;
        }
        return new SinkSpec(bronze, mode, partition, retention);
    }
}
