package io.meshspine.testkit;

import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;

/**
 * One broker and one registry per JVM, started lazily on first use and stopped when the JVM exits, with the
 * helpers integration tests need: unique topics, registry-serde client configs, produce, and read back.
 *
 * <p>Tests receive it as a parameter through {@link SpineExtension} rather than reaching for a static.
 */
public final class SpineTestKit {

    private static final Logger log = LoggerFactory.getLogger(SpineTestKit.class);
    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private static volatile SpineTestKit shared;

    private final SpineInfrastructure infrastructure;
    private final Admin admin;

    private SpineTestKit(SpineInfrastructure infrastructure) {
        this.infrastructure = infrastructure;
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infrastructure.kafka().bootstrapServers()));
    }

    /** The JVM-wide kit; the first caller pays the start-up (~5 s), everyone after shares it. */
    public static SpineTestKit shared() {
        SpineTestKit kit = shared;
        if (kit == null) {
            synchronized (SpineTestKit.class) {
                kit = shared;
                if (kit == null) {
                    long start = System.nanoTime();
                    kit = new SpineTestKit(SpineInfrastructure.startFromEnvironment());
                    SpineTestKit started = kit;
                    Runtime.getRuntime().addShutdownHook(new Thread(started::stop, "spine-testkit-stop"));
                    log.info("testkit ready in {} ms: {}; {}", (System.nanoTime() - start) / 1_000_000,
                            kit.kafka().describe(), kit.registry().describe());
                    shared = kit;
                }
            }
        }
        return kit;
    }

    /**
     * A kit on a broker of the test's own (one it stops and restarts for an outage) and the JVM's shared registry.
     * Close it when done: that closes its admin client only; the broker is the test's to close.
     */
    public static SpineTestKit onOwnBroker(KafkaEndpoint broker) {
        return new SpineTestKit(SpineInfrastructure.of(broker, shared().registry()));
    }

    /** Closes this kit's admin client (for a kit from {@link #onOwnBroker}; the shared kit closes itself at exit). */
    public void closeAdmin() {
        admin.close(Duration.ofSeconds(5));
    }

    private void stop() {
        admin.close(Duration.ofSeconds(5));
        infrastructure.close();
    }

    public KafkaEndpoint kafka() {
        return infrastructure.kafka();
    }

    public SchemaRegistryEndpoint registry() {
        return infrastructure.registry();
    }

    public String bootstrapServers() {
        return kafka().bootstrapServers();
    }

    public String registryUrl() {
        return registry().registryUrl();
    }

    public Admin admin() {
        return admin;
    }

    /** A name no other test in this JVM or on this broker uses: {@code <prefix>-<n>-<random>}. */
    public static String uniqueName(String prefix) {
        return prefix + "-" + SEQUENCE.incrementAndGet() + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Creates the topic and waits until the broker knows it. */
    public String createTopic(String name, int partitions) {
        try {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot create topic " + name + ": " + e.getCause().getMessage(), e.getCause());
        }
        return name;
    }

    /** Registry settings for the Apicurio serdes: the URL and auto-registration of the writer's schema. */
    public Map<String, Object> serdeConfig() {
        Map<String, Object> config = new HashMap<>();
        config.put("apicurio.registry.url", registryUrl());
        config.put("apicurio.registry.auto-register", true);
        return config;
    }

    /** An idempotent, acks=all producer config, as the spine produces everywhere. */
    public Map<String, Object> producerConfig() {
        Map<String, Object> config = new HashMap<>(serdeConfig());
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        return config;
    }

    /** A read_committed consumer config: what a downstream consumer of the spine sees. */
    public Map<String, Object> consumerConfig(String groupId) {
        Map<String, Object> config = new HashMap<>(serdeConfig());
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString().toLowerCase());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return config;
    }

    public <K, V> void produce(String topic, Serializer<K> keySerializer, Serializer<V> valueSerializer,
                               List<ProducerRecord<K, V>> records) {
        try (var producer = new KafkaProducer<>(producerConfig(), keySerializer, valueSerializer)) {
            for (ProducerRecord<K, V> record : records) {
                producer.send(record);
            }
            producer.flush();
        }
    }

    /** Avro serializer for values (or keys when {@code isKey}), configured against this kit's registry. */
    public <T> Serializer<T> avroSerializer(boolean isKey) {
        AvroKafkaSerializer<T> serializer = new AvroKafkaSerializer<>();
        serializer.configure(serdeConfig(), isKey);
        return serializer;
    }

    public <T> Deserializer<T> avroDeserializer(boolean isKey) {
        AvroKafkaDeserializer<T> deserializer = new AvroKafkaDeserializer<>();
        deserializer.configure(serdeConfig(), isKey);
        return deserializer;
    }

    /**
     * Reads the topic from the beginning (read_committed) until {@code expected} records have arrived, then keeps
     * reading briefly so that an unexpected extra record is seen too; returns all that arrived, in partition order.
     */
    public <K, V> List<ConsumerRecord<K, V>> awaitRecords(String topic, int expected, Deserializer<K> keyDeserializer,
                                                          Deserializer<V> valueDeserializer, Duration atMost) {
        List<ConsumerRecord<K, V>> received = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(consumerConfig(uniqueName("await")), keyDeserializer, valueDeserializer)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            await("records on " + topic).atMost(atMost).pollInterval(Duration.ZERO).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(received::add);
                return received.size() >= expected;
            });
            consumer.poll(Duration.ofMillis(300)).forEach(received::add);
        }
        return received;
    }
}
