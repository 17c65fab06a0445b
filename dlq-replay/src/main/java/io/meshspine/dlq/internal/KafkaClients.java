package io.meshspine.dlq.internal;

import io.meshspine.core.topic.Topics;
import io.meshspine.dlq.DlqConfig;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Every Kafka client of the workbench is made here, so each one gets the cluster's {@code kafka.*} settings (TLS,
 * SASL) under what the workbench itself needs to set.
 */
public final class KafkaClients {

    /** How long a replay transaction may stay open: a batch is sent and committed at once, pacing happens between them. */
    public static final int TRANSACTION_TIMEOUT_MS = 60_000;

    private final DlqConfig config;

    public KafkaClients(DlqConfig config) {
        this.config = config;
    }

    private Map<String, Object> base(String clientId) {
        Map<String, Object> props = new HashMap<>(config.kafkaClient());
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        props.put(CommonClientConfigs.CLIENT_ID_CONFIG, clientId);
        return props;
    }

    public Admin admin(String clientId) {
        Map<String, Object> props = base(clientId);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) config.brokerTimeout().toMillis());
        // the admin client refuses an API timeout shorter than one request's
        props.merge(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(30_000, config.brokerTimeout().toMillis()),
                (given, mine) -> given);
        return Admin.create(props);
    }

    /** A read_committed consumer with no group and nothing committed: the workbench assigns partitions itself. */
    public KafkaConsumer<byte[], byte[]> reader(String clientId) {
        Map<String, Object> props = base(clientId);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString().toLowerCase(Locale.ROOT));
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // Records deleted under a reader (retention) move it to what is left, never past it to the end.
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2_000);
        // Readers are polled only while a request catches up to the end offsets; a fetch left waiting at the broker for
        // the default 500 ms held the next request's catch-up that long.
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 20);
        props.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) config.brokerTimeout().toMillis());
        // a dead letter may be as large as the DLQ takes
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Topics.DEAD_LETTER_MAX_BYTES + 65_536);
        return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** A transactional producer (null id: idempotent only). */
    public KafkaProducer<byte[], byte[]> producer(String clientId, String transactionalId) {
        Map<String, Object> props = base(clientId);
        if (transactionalId != null) {
            props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
            // the cluster's settings may shorten it; replays never wait inside a transaction either way
            props.putIfAbsent(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, TRANSACTION_TIMEOUT_MS);
        }
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) config.brokerTimeout().toMillis());
        // Parking moves a dead letter whole: one as large as the DLQ takes must fit (the raw topic still judges a replay).
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.DEAD_LETTER_MAX_BYTES + 65_536);
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }
}
