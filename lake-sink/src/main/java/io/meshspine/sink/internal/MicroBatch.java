package io.meshspine.sink.internal;

import io.meshspine.core.deadletter.DeadLetter;
import org.apache.kafka.common.TopicPartition;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One micro-batch. Append tables stream its rows into open Parquet files as records arrive (nothing is held here
 * but offsets); upsert tables keep the newest change per key (by source sequence where the records have one, else
 * the latest to arrive) until the commit rewrites files. Filled by the
 * consumer thread; once sealed, only read, by the committer.
 */
final class MicroBatch {
    final Map<TopicPartition, Long> firstOffsets = new LinkedHashMap<>();
    final Map<TopicPartition, Long> lastOffsets = new LinkedHashMap<>();
    final LinkedHashMap<BusinessKey, SilverRows.KeyChange> changes = new LinkedHashMap<>();
    /** Changes not kept because the batch holds a newer one of the same key (by source sequence). */
    int staleInBatch;
    final List<DeadLetter> dead = new ArrayList<>();
    int records;
    long bytes;
    long firstNanos;
    /** Wall-clock time of the first record: the start of the commit's lineage run. */
    long firstMillis;
    long newest = Long.MIN_VALUE;
    long sealedNanos;

    long buffered(TopicPartition tp) {
        Long first = firstOffsets.get(tp);
        return first == null ? 0 : lastOffsets.get(tp) - first + 1;
    }
}
