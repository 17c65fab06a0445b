package io.meshspine.ingest.event;

import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.avro.WireFormat;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.registry.ApicurioClient;
import io.meshspine.core.registry.ContractRegistrar;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import org.apache.avro.Conversions;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's example of a source system publishing with Apicurio's serdes, compiled and run by the build: the
 * record lands on the raw topic in the wire format the gate reads (content id, group = domain).
 */
@ExtendWith(SpineExtension.class)
class PublishingFromJavaExampleTest {

    @Test
    void a_java_source_system_publishes_a_payment_with_the_registry_serde_and_it_decodes_as_the_contract_record(SpineTestKit kit) throws Exception {
        Contract contract = EventPublisherTest.paymentsInFreshDomain(kit, "serde");
        new ContractRegistrar(new ApicurioClient(kit.registryUrl())).register(List.of(contract));
        String bootstrapServers = kit.bootstrapServers();
        String registryUrl = kit.registryUrl();
        String domain = contract.domain();          // "payments" outside this test
        String topic = contract.rawTopic();         // "raw.payments.transactions"
        Schema schema = contract.avroSchema();      // schemas/payments/transactions/v1/transactions.avsc

        // --- README example: begin ---
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, AvroKafkaSerializer.class.getName());
        props.put("apicurio.registry.url", registryUrl);                 // http://<registry>/apis/registry/v3
        props.put("apicurio.registry.artifact.group-id", domain);        // contracts are registered per domain
        props.put("apicurio.registry.use-id", "contentId");              // the wire format the gate reads
        props.put("apicurio.registry.find-latest", true);                // use the contract's registered schema
        props.put("apicurio.registry.avro.datum-provider", "io.apicurio.registry.serde.avro.DefaultAvroDatumProvider");

        Conversions.DecimalConversion decimals = new Conversions.DecimalConversion();
        GenericRecord payment = new GenericData.Record(schema);
        payment.put("transaction_id", UUID.randomUUID().toString());
        payment.put("account_number", "062-000 12345678");
        payment.put("customer_id", "C100042");
        payment.put("amount", decimals.toBytes(new BigDecimal("42.50"), null, LogicalTypes.decimal(18, 2)));
        payment.put("currency", "AUD");
        payment.put("direction", "DEBIT");
        payment.put("occurred_at", Instant.now().toEpochMilli() * 1000);  // timestamp-micros
        payment.put("booking_date", (int) LocalDate.now().toEpochDay()); // date

        try (KafkaProducer<String, GenericRecord> producer = new KafkaProducer<>(props)) {
            producer.send(new ProducerRecord<>(topic, payment.get("transaction_id").toString(), payment)).get();
        }
        // --- README example: end ---

        byte[] value = kit.awaitRecords(topic, 1, new ByteArrayDeserializer(), new ByteArrayDeserializer(), Duration.ofSeconds(30))
                .get(0).value();
        RegistrySchemas registry = new RegistrySchemas(new ApicurioClient(registryUrl));
        long contentId = WireFormat.schemaId(value).orElseThrow();
        assertThat(contentId).isEqualTo(registry.contentIdFor(domain, ContractRegistrar.valueArtifact(topic), schema));
        GenericRecord decoded = new GenericDatumReader<GenericRecord>(registry.byContentId(contentId), schema).read(null,
                DecoderFactory.get().binaryDecoder(value, WireFormat.HEADER_LENGTH, value.length - WireFormat.HEADER_LENGTH, null));
        assertThat(decoded.toString()).isEqualTo(payment.toString());
        assertThat(Map.of("currency", decoded.get("currency").toString())).containsEntry("currency", "AUD");
    }
}
