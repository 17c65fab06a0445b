package io.meshspine.sink;

import io.delta.standalone.DeltaLog;
import io.delta.standalone.Operation;
import io.delta.standalone.OptimisticTransaction;
import io.delta.standalone.actions.Action;
import io.delta.standalone.actions.Metadata;
import io.delta.standalone.actions.SetTransaction;
import io.meshspine.sink.internal.DeltaTable;
import io.meshspine.sink.internal.Hadoop;
import io.meshspine.sink.internal.TableSpec;
import io.meshspine.sink.internal.TopicOffsets;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The operator's answer to an offset gap ({@code ./spine lake reset-offsets}): where the table goes on reading each
 * partition of its topic, written as txn versions in one Delta commit whose commit info records what was reset, from
 * what, to what. A recreated topic's new id is recorded in the same commit. Meant for partitions the sink has parked at
 * a gap (it picks the new offsets up within seconds) or for a stopped sink.
 */
public final class OffsetReset {

    private static final Logger log = LoggerFactory.getLogger(OffsetReset.class);

    /** Where to go on: the topic's earliest record, its end (skip what is there), or a given offset. */
    public sealed interface Target permits Target.Earliest, Target.Latest, Target.At {
        record Earliest() implements Target {
        }

        record Latest() implements Target {
        }

        record At(long offset) implements Target {
        }

        /** {@code earliest}, {@code latest} or an offset. */
        static Target parse(String text) {
            return switch (text.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "earliest" -> new Earliest();
                case "latest" -> new Latest();
                default -> {
                    try {
                        yield new At(Long.parseLong(text.trim()));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--to must be earliest, latest or an offset, was '" + text + "'");
                    }
                }
            };
        }

        default String label() {
            return this instanceof At at ? Long.toString(at.offset()) : getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** One partition's reset: the last offset the table held before (-1 none), and the next offset it reads now. */
    public record Moved(int partition, long previous, long next) {
    }

    /** What the commit did. */
    public record Result(long version, String topic, List<Moved> partitions) {
    }

    private OffsetReset() {
    }

    /**
     * @param partitions the partitions to reset; empty for every partition of the table's topic
     * @throws IllegalArgumentException no such table, a table that does not record its topic, or an offset outside
     *                                  the topic
     */
    public static Result reset(String tablePath, String bootstrapServers, Target to, List<Integer> partitions, Map<String, String> hadoop) {
        String table = Hadoop.qualify(tablePath);
        DeltaLog deltaLog = DeltaLog.forTable(Hadoop.configuration(hadoop), table);
        OptimisticTransaction txn = deltaLog.startTransaction();
        if (txn.readVersion() < 0) {
            throw new IllegalArgumentException("no Delta table at " + table);
        }
        Metadata metadata = txn.metadata();
        String topic = metadata.getConfiguration().get(DeltaTable.SOURCE_TOPIC);
        if (topic == null) {
            throw new IllegalArgumentException("table " + table + " does not record its topic (" + DeltaTable.SOURCE_TOPIC
                    + "): let the sink commit to it once, then reset");
        }
        try (Admin admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.CLIENT_ID_CONFIG, "spine-lake-reset-offsets"))) {
            TopicOffsets offsets = new TopicOffsets(admin);
            String cluster = offsets.clusterId();
            List<Integer> chosen = partitions.isEmpty() ? offsets.partitions(topic) : partitions;
            long now = System.currentTimeMillis();
            List<Action> actions = new ArrayList<>();
            List<Moved> moved = new ArrayList<>();
            for (int p : chosen) {
                TopicOffsets.Range range = offsets.range(new TopicPartition(topic, p));
                long next = to instanceof Target.At at ? at.offset() : to instanceof Target.Latest ? range.latest() : range.earliest();
                if (next < range.earliest() || next > range.latest()) {
                    throw new IllegalArgumentException("offset " + next + " is outside " + topic + "-" + p + " (earliest "
                            + range.earliest() + ", latest " + range.latest() + ")");
                }
                String appId = TableSpec.appId(cluster, topic, p);
                moved.add(new Moved(p, txn.txnVersion(appId), next));
                actions.add(new SetTransaction(appId, next - 1, Optional.of(now)));
            }
            Map<String, String> config = new HashMap<>(metadata.getConfiguration());
            config.put(DeltaTable.TOPIC_ID_PREFIX + cluster, offsets.topicId(topic));
            txn.updateMetadata(metadata.copyBuilder().configuration(config).build());
            String summary = moved.stream().map(m -> m.partition() + ": " + m.previous() + " -> " + (m.next() - 1))
                    .collect(Collectors.joining(", "));
            long version = txn.commit(actions, new Operation(Operation.Name.MANUAL_UPDATE, Map.of(
                    "operation", "\"reset-offsets\"", "to", "\"" + to.label() + "\"", "topic", "\"" + topic + "\"",
                    "kafkaCluster", "\"" + cluster + "\"", "txnVersions", "\"" + summary + "\"")), DeltaTable.ENGINE_INFO).getVersion();
            log.info("offsets reset table={} version={} topic={} to={} txnVersions=[{}]", table, version, topic, to.label(), summary);
            return new Result(version, topic, moved);
        }
    }
}
