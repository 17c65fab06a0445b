package io.meshspine.gate;

import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.avro.WireFormat;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.registry.ApicurioClient;
import io.meshspine.core.registry.ContractRegistrar;
import io.meshspine.gate.internal.IdentityHasher;
import io.meshspine.testkit.ContractFixtures;
import io.meshspine.testkit.SamplePayments;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * payments.transactions names its key as its event identity ({@code dedup: {fields: [transaction_id]}}, {@code keys:
 * [transaction_id]}): the gate then reuses the key's encoding as the identity's fields, and the identity must stay the
 * one an identity over those fields always was, or the dedup state a running gate has kept would stop matching.
 */
@ExtendWith(SpineExtension.class)
class EventIdentityOnKeyFieldsTest {

    private static final byte[] HASH_KEY = "0123456789abcdef-identity-test".getBytes(StandardCharsets.UTF_8);

    @Test
    void an_identity_on_the_key_fields_is_the_hmac_of_the_fields_own_encoding(SpineTestKit kit) {
        Contract payments = ContractFixtures.inFreshDomain(ContractCatalog.fromClasspath().latest("payments.transactions").orElseThrow(), "identkey");
        assertThat(payments.dedup().fields()).isEqualTo(payments.keys());
        RegistrySchemas registry = new RegistrySchemas(new ApicurioClient(kit.registryUrl()));
        long writerId = registry.contentIdFor(payments.domain(), ContractRegistrar.valueArtifact(payments.rawTopic()), payments.avroSchema());
        ContractGate gate = new ContractGate(ContractCatalog.of(List.of(payments)), registry, HASH_KEY, 1_000_000, ProductTransform.NONE);
        Schema schema = payments.avroSchema();
        Schema.Field id = schema.getField("transaction_id");
        Schema fieldsSchema = Schema.createRecord(schema.getName() + "EventIdentity", null, "io.meshspine.gate.identity", false,
                List.of(new Schema.Field(id.name(), id.schema(), null, (Object) null)));
        IdentityHasher hasher = new IdentityHasher(HASH_KEY);
        SamplePayments samples = new SamplePayments(schema);
        Instant at = Instant.parse("2026-11-30T12:00:00Z");
        for (int i = 0; i < 50; i++) {
            GenericRecord r = samples.valid(i, at.plusSeconds(i));
            byte[] value = WireFormat.encode(writerId, schema, r);
            GateDecision decision = gate.decide(new ContractGate.RawRecord(payments.rawTopic(), 0, i, at.toEpochMilli(), null, value,
                    new RecordHeaders()), at.plusSeconds(3600), identity -> false);
            assertThat(decision).isInstanceOf(GateDecision.Pass.class);

            GenericRecord key = new GenericData.Record(payments.keySchema());
            key.put("transaction_id", r.get("transaction_id"));
            GenericRecord fields = new GenericData.Record(fieldsSchema);
            fields.put("transaction_id", r.get("transaction_id"));
            byte[] body = WireFormat.body(fieldsSchema, fields);
            byte[] expected = hasher.identity(payments.qualifiedName().getBytes(StandardCharsets.UTF_8), WireFormat.body(payments.keySchema(), key),
                    IdentityHasher.Kind.FIELDS, body, 0, body.length);
            assertThat(((GateDecision.Pass) decision).dedupIdentity()).isEqualTo(expected);
        }
    }
}
