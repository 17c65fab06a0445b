package io.meshspine.sink.internal;

import org.apache.kafka.common.TopicPartition;

/**
 * A source partition the table cannot continue from without skipping or re-reading records: the table's state for it
 * is this named condition until an operator chooses with {@code ./spine lake reset-offsets} how to go on. Never skipped
 * silently, never retried in a loop.
 *
 * @param tableOffset the last offset the table holds for the partition (its txn version), -1 for none
 * @param earliest    the earliest offset the topic still holds
 * @param latest      the offset the topic's next record will get
 */
public record OffsetGap(Condition condition, String table, TopicPartition partition, long tableOffset, long earliest, long latest) {

    /** Why the table cannot go on; the label is the metric's {@code condition} tag. */
    public enum Condition {
        /** Retention (or deleteRecords) removed records after the table's offset before the sink read them. */
        RECORDS_DELETED_UNREAD("records-deleted-unread"),
        /** The table holds offsets the topic does not have (a recreated topic, an unclean leader election). */
        TABLE_AHEAD_OF_TOPIC("table-ahead-of-topic"),
        /** The topic has another id than the one the table was fed from: its offsets are a different log. */
        TOPIC_RECREATED("topic-recreated");

        private final String label;

        Condition(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** The gap, if the table's offset cannot be continued from in this range; null when it can. */
    static OffsetGap between(String table, TopicPartition tp, long tableOffset, TopicOffsets.Range range) {
        if (tableOffset < 0) {
            return null; // the table holds nothing of this partition yet: it starts at the earliest record there is
        }
        long next = tableOffset + 1;
        if (next < range.earliest()) {
            return new OffsetGap(Condition.RECORDS_DELETED_UNREAD, table, tp, tableOffset, range.earliest(), range.latest());
        }
        if (next > range.latest()) {
            return new OffsetGap(Condition.TABLE_AHEAD_OF_TOPIC, table, tp, tableOffset, range.earliest(), range.latest());
        }
        return null;
    }

    public String describe() {
        String what = switch (condition) {
            case RECORDS_DELETED_UNREAD -> "offsets " + (tableOffset + 1) + ".." + (earliest - 1) + " were deleted before the sink read them";
            case TABLE_AHEAD_OF_TOPIC -> "the table holds offsets up to " + tableOffset + " but the topic ends at " + latest;
            case TOPIC_RECREATED -> "the topic was recreated: its offsets are not the ones the table holds";
        };
        return "table " + table + " topic " + partition.topic() + " partition " + partition.partition() + ": " + what
                + " (table offset " + tableOffset + ", topic earliest " + earliest + ", latest " + latest + ")"
                + "; choose how to go on: ./spine lake reset-offsets --table " + table + " --to earliest|latest|<offset>";
    }
}
