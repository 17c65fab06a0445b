package io.meshspine.core.topic;

import java.util.Map;
import java.util.Objects;

/**
 * One topic as the spine wants it: name, role, partitions and the topic configs that matter to us.
 *
 * @param keyType   what the key holds, for people reading the catalogue (e.g. "business key (Avro)")
 * @param valueType what the value holds
 */
public record TopicSpec(String name, TopicRole role, int partitions, Map<String, String> configs,
                        String keyType, String valueType) {

    public TopicSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(role, "role");
        if (partitions < 1) {
            throw new IllegalArgumentException("topic " + name + ": partitions must be at least 1, was " + partitions);
        }
        configs = Map.copyOf(configs);
    }
}
