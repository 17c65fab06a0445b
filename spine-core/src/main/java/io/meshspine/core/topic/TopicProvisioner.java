package io.meshspine.core.topic;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;

/**
 * Makes the cluster hold the catalogue's topics: creates what is missing, raises partition counts, and sets the
 * configs that differ. It never deletes a topic, never shrinks partitions (Kafka cannot, and keyed order would
 * break), and reports every change it made and every difference it left alone.
 */
public final class TopicProvisioner {

    /** One thing provisioning did or noticed, for the report. */
    public sealed interface Change {
        String topic();

        String describe();
    }

    public record Created(String topic, int partitions, Map<String, String> configs) implements Change {
        public String describe() {
            return "created " + topic + " (" + partitions + " partitions, " + configs + ")";
        }
    }

    public record PartitionsIncreased(String topic, int from, int to) implements Change {
        public String describe() {
            return "increased partitions of " + topic + " from " + from + " to " + to;
        }
    }

    public record ConfigUpdated(String topic, String key, String from, String to) implements Change {
        public String describe() {
            return "set " + topic + " " + key + "=" + to + " (was " + from + ")";
        }
    }

    /** A difference we do not fix, because fixing it would lose data or order. */
    public record LeftAlone(String topic, String reason) implements Change {
        public String describe() {
            return "left " + topic + " alone: " + reason;
        }
    }

    public record Report(List<Change> changes, int unchanged) {
        public boolean changedAnything() {
            return changes.stream().anyMatch(c -> !(c instanceof LeftAlone));
        }
    }

    private static final java.time.Duration VISIBILITY_TIMEOUT = java.time.Duration.ofSeconds(30);

    private final Admin admin;
    private final short replicationFactor;

    public TopicProvisioner(Admin admin, short replicationFactor) {
        this.admin = admin;
        this.replicationFactor = replicationFactor;
    }

    public Report provision(Collection<TopicSpec> wanted) {
        try {
            return provisionOrThrow(wanted);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while provisioning topics", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot provision topics: " + e.getCause().getMessage(), e.getCause());
        }
    }

    private Report provisionOrThrow(Collection<TopicSpec> wanted) throws InterruptedException, ExecutionException {
        List<Change> changes = new ArrayList<>();
        Set<String> existing = admin.listTopics().names().get();
        List<TopicSpec> missing = wanted.stream().filter(t -> !existing.contains(t.name())).toList();
        List<TopicSpec> present = wanted.stream().filter(t -> existing.contains(t.name())).toList();

        for (TopicSpec spec : missing) {
            try {
                admin.createTopics(List.of(new NewTopic(spec.name(), spec.partitions(), replicationFactor).configs(spec.configs())))
                        .all().get();
                changes.add(new Created(spec.name(), spec.partitions(), spec.configs()));
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
                // Created by someone else meanwhile: compare it below like any existing topic.
                present = new ArrayList<>(present);
                present.add(spec);
            }
        }
        awaitVisible(changes.stream().filter(c -> c instanceof Created).map(Change::topic).toList());
        int unchanged = 0;
        if (!present.isEmpty()) {
            awaitVisible(present.stream().map(TopicSpec::name).toList());
            Map<String, TopicDescription> descriptions = admin.describeTopics(present.stream().map(TopicSpec::name).toList())
                    .allTopicNames().get();
            Map<ConfigResource, Config> configs = admin.describeConfigs(present.stream()
                    .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t.name())).toList()).all().get();
            Map<String, NewPartitions> grow = new HashMap<>();
            Map<ConfigResource, Collection<AlterConfigOp>> alter = new HashMap<>();
            for (TopicSpec spec : present) {
                int before = changes.size();
                int partitions = descriptions.get(spec.name()).partitions().size();
                if (partitions < spec.partitions()) {
                    grow.put(spec.name(), NewPartitions.increaseTo(spec.partitions()));
                    changes.add(new PartitionsIncreased(spec.name(), partitions, spec.partitions()));
                } else if (partitions > spec.partitions()) {
                    changes.add(new LeftAlone(spec.name(), "has " + partitions + " partitions, catalogue says "
                            + spec.partitions() + "; partitions are never shrunk"));
                }
                ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, spec.name());
                Config actual = configs.get(resource);
                List<AlterConfigOp> ops = new ArrayList<>();
                spec.configs().forEach((key, value) -> {
                    ConfigEntry entry = actual.get(key);
                    String current = entry == null ? null : entry.value();
                    if (!value.equals(current)) {
                        ops.add(new AlterConfigOp(new ConfigEntry(key, value), AlterConfigOp.OpType.SET));
                        changes.add(new ConfigUpdated(spec.name(), key, current, value));
                    }
                });
                if (!ops.isEmpty()) {
                    alter.put(resource, ops);
                }
                if (changes.size() == before) {
                    unchanged++;
                }
            }
            if (!grow.isEmpty()) {
                admin.createPartitions(grow).all().get();
            }
            if (!alter.isEmpty()) {
                admin.incrementalAlterConfigs(alter).all().get();
            }
        }
        return new Report(List.copyOf(changes), unchanged);
    }

    /**
     * A topic the controller just created (or that another client just created) reaches the brokers' metadata a
     * moment later; until then describing it fails with UnknownTopicOrPartition. Wait for that, with back-off.
     */
    private void awaitVisible(List<String> topics) throws InterruptedException, ExecutionException {
        if (topics.isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + VISIBILITY_TIMEOUT.toNanos();
        long backoffMs = 20;
        while (true) {
            try {
                admin.describeTopics(topics).allTopicNames().get();
                admin.describeConfigs(topics.stream().map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList()).all().get();
                return;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(backoffMs);
                backoffMs = Math.min(backoffMs * 2, 1000);
            }
        }
    }
}
