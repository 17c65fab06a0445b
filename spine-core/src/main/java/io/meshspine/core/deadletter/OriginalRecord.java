package io.meshspine.core.deadletter;

import java.util.Arrays;
import java.util.List;

/**
 * A record exactly as it arrived: key, value and headers byte for byte, and where it was read. What a dead letter
 * keeps so that a steward can repair and replay it without anything lost.
 */
public record OriginalRecord(String topic, Integer partition, Long offset, Long timestamp, byte[] key, byte[] value,
                             List<Header> headers) {

    /** One Kafka header; header keys may repeat, so they are kept as a list in order. */
    public record Header(String key, byte[] value) {
        @Override
        public String toString() {
            return "Header[" + key + ", " + (value == null ? "null" : value.length + " bytes") + "]";
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Header h && h.key.equals(key) && Arrays.equals(h.value, value);
        }

        @Override
        public int hashCode() {
            return 31 * key.hashCode() + Arrays.hashCode(value);
        }
    }

    public OriginalRecord {
        headers = List.copyOf(headers);
    }

    /** {@code <topic>/<partition>/<offset>}: unique per Kafka record, stable across replays of the dead letter. */
    public String id() {
        return topic + "/" + partition + "/" + offset;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OriginalRecord r && java.util.Objects.equals(r.topic, topic) && java.util.Objects.equals(r.partition, partition)
                && java.util.Objects.equals(r.offset, offset) && java.util.Objects.equals(r.timestamp, timestamp)
                && Arrays.equals(r.key, key) && Arrays.equals(r.value, value) && r.headers.equals(headers);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(topic, partition, offset, timestamp, Arrays.hashCode(key), Arrays.hashCode(value), headers);
    }

    /** Sizes only: the payload may hold PII and must never reach a log. */
    @Override
    public String toString() {
        return "OriginalRecord[" + id() + ", key " + (key == null ? "null" : key.length + " bytes") + ", value "
                + (value == null ? "null" : value.length + " bytes") + ", " + headers.size() + " headers]";
    }
}
