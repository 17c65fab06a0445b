package io.meshspine.sink;

import io.delta.kernel.types.BinaryType;
import io.delta.kernel.types.StringType;
import io.meshspine.core.privacy.Ciphertext;
import io.meshspine.core.privacy.DataKeyStore;
import io.meshspine.core.privacy.Decryption;
import io.meshspine.core.privacy.KeyScope;
import io.meshspine.core.privacy.PrivacyConfig;
import io.meshspine.core.privacy.SubjectCipher;
import io.meshspine.core.topic.TopicCatalogue;
import io.meshspine.core.topic.TopicProvisioner;
import io.meshspine.core.topic.Topics;
import io.meshspine.sink.internal.BronzeRows;
import io.meshspine.testkit.SamplePayments;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import io.meshspine.testkit.KernelTable;

/**
 * Bronze with encryption on (issue 16): PII columns and {@code _value} are ciphertext under the data subject's key,
 * other columns stay readable, every row decrypts back to the raw record, and destroying one subject's keys makes
 * exactly that subject's rows unreadable. Read with Delta Kernel.
 */
@ExtendWith(SpineExtension.class)
class BronzeEncryptionOnBrokerTest {

    private static final String[] CUSTOMERS = {"C-700001", "C-700002", "C-700003"};

    @Test
    void pii_columns_and_raw_values_are_ciphertext_under_the_subjects_key_and_a_destroyed_key_erases_only_its_subject(SpineTestKit kit,
                                                                                                                  @TempDir Path lake) throws Exception {
        new TopicProvisioner(kit.admin(), (short) 1).provision(TopicCatalogue.of(List.of()).topics().stream()
                .filter(t -> t.name().equals(Topics.PRIVACY_KEYS)).toList());
        try (LakeFixture f = new LakeFixture(kit, "payments.transactions", "enc", lake, 2)) {
            SamplePayments samples = new SamplePayments(f.contract.avroSchema());
            Instant base = Instant.parse("2026-03-01T10:15:30Z");
            Map<Long, GenericRecord> sentBySequence = new HashMap<>();
            Map<String, byte[]> rawByTransaction = new HashMap<>();
            Set<String> piiValues = new HashSet<>();
            for (int i = 0; i < 60; i++) {
                GenericRecord r = samples.valid(i, base.plusSeconds(i));
                r.put("customer_id", CUSTOMERS[i % 3]);
                piiValues.add(r.get("account_number").toString());
                byte[] value = f.value(r);
                rawByTransaction.put(r.get("transaction_id").toString(), value);
                sentBySequence.put((long) i, r);
                f.sendRaw(f.key(r), value);
            }
            piiValues.addAll(List.of(CUSTOMERS));
            f.sendRaw(null, "not avro".getBytes(StandardCharsets.UTF_8));
            f.producer.flush();

            SinkConfig config = f.config(new BatchTrigger(1000, 64L << 20, Duration.ofMillis(300))).withPrivacy(PrivacyConfig.DEMO);
            try (SinkService sink = LakeSink.start(config, f.catalog(), new SimpleMeterRegistry())) {
                await("bronze complete").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
                        .until(() -> KernelTable.count(f.bronzePath()) == 61);
            }

            KernelTable.Contents bronze = KernelTable.read(f.bronzePath());
            assertThat(bronze.schema().get("customer_id").getDataType()).isInstanceOf(BinaryType.class);
            assertThat(bronze.schema().get("account_number").getDataType()).isInstanceOf(BinaryType.class);
            assertThat(bronze.schema().get("currency").getDataType()).isInstanceOf(StringType.class);
            assertThat(bronze.schema().get(BronzeRows.KEY_ID).getDataType()).isInstanceOf(StringType.class);

            try (DataKeyStore keys = PrivacyConfig.DEMO.openKeyStore(Topics.PRIVACY_KEYS, Map.of("bootstrap.servers", kit.bootstrapServers()))) {
                SubjectCipher cipher = new SubjectCipher(keys);
                Schema customerId = f.contract.avroSchema().getField("customer_id").schema();
                Map<String, Set<String>> keyIdsByCustomer = new HashMap<>();
                Map<String, String> customerByKeyId = new HashMap<>();
                int undecodable = 0;
                for (Map<String, Object> row : bronze.rows()) {
                    byte[] value = (byte[]) row.get(BronzeRows.VALUE);
                    String keyId = (String) row.get(BronzeRows.KEY_ID);
                    assertThat(Ciphertext.keyId(value)).isEqualTo(keyId);
                    byte[] original = plain(cipher.decrypt(value));
                    if (row.get(BronzeRows.DECODE_ERROR) != null) {
                        undecodable++;
                        assertThat(original).isEqualTo("not avro".getBytes(StandardCharsets.UTF_8));
                        assertThat(keys.liveKeyIds(keys.hasher().hash(KeyScope.domain(f.contract.domain())))).containsExactly(keyId);
                        continue;
                    }
                    String transaction = (String) row.get("transaction_id");
                    assertThat(original).as("_value decrypts to the raw record").isEqualTo(rawByTransaction.get(transaction));
                    String customer = decode(plain(cipher.decrypt((byte[]) row.get("customer_id"))), customerId).toString();
                    assertThat(Ciphertext.keyId((byte[]) row.get("customer_id"))).isEqualTo(keyId);
                    assertThat(Ciphertext.keyId((byte[]) row.get("account_number"))).isEqualTo(keyId);
                    keyIdsByCustomer.computeIfAbsent(customer, c -> new HashSet<>()).add(keyId);
                    customerByKeyId.put(keyId, customer);
                    // operators still read the rest
                    assertThat(row.get("currency")).isNotNull();
                    assertThat(row.get("amount")).isNotNull();
                }
                assertThat(undecodable).isEqualTo(1);
                assertThat(keyIdsByCustomer).containsOnlyKeys(CUSTOMERS);
                assertThat(customerByKeyId).as("no key serves two subjects").hasSize(keyIdsByCustomer.values().stream().mapToInt(Set::size).sum());

                // No PII value in clear: not in any decoded column, not in the Delta log (statistics, commit info).
                for (Map<String, Object> row : bronze.rows()) {
                    for (Object v : row.values()) {
                        if (v instanceof String s) {
                            assertThat(piiValues).doesNotContain(s);
                        }
                    }
                }
                String log = deltaLogText(Path.of(java.net.URI.create(f.bronzePath())));
                assertThat(piiValues).allSatisfy(p -> assertThat(log).doesNotContain(p));

                // Destroy one subject's keys: exactly its rows stop decrypting; the others and the domain key's row are untouched.
                String erased = CUSTOMERS[1];
                List<String> destroyed = keys.destroy(KeyScope.subject(f.contract.domain(), erased), "test-erasure");
                assertThat(destroyed).containsExactlyInAnyOrderElementsOf(keyIdsByCustomer.get(erased));
                int erasedRows = 0;
                for (Map<String, Object> row : bronze.rows()) {
                    Decryption d = cipher.decrypt((byte[]) row.get(BronzeRows.VALUE));
                    if (destroyed.contains(row.get(BronzeRows.KEY_ID))) {
                        assertThat(d).isEqualTo(new Decryption.Erased((String) row.get(BronzeRows.KEY_ID), "test-erasure"));
                        assertThat(cipher.decrypt((byte[]) row.get("account_number"))).isInstanceOf(Decryption.Erased.class);
                        erasedRows++;
                    } else {
                        assertThat(d).isInstanceOf(Decryption.Plain.class);
                    }
                }
                assertThat(erasedRows).isEqualTo(20);
            }
        }
    }

    private static byte[] plain(Decryption d) {
        assertThat(d).isInstanceOf(Decryption.Plain.class);
        return ((Decryption.Plain) d).bytes();
    }

    private static Object decode(byte[] avroBinary, Schema schema) throws IOException {
        return new GenericDatumReader<>(schema).read(null, DecoderFactory.get().binaryDecoder(avroBinary, null));
    }

    private static String deltaLogText(Path table) throws IOException {
        StringBuilder out = new StringBuilder();
        try (Stream<Path> files = Files.walk(table.resolve("_delta_log"))) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                out.append(new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1));
            }
        }
        return out.toString();
    }
}
