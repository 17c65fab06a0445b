package io.meshspine.gate.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshspine.core.avro.WireFormat;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.testkit.SamplePayments;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.junit.jupiter.api.Test;

class MaskedEncodingTest {

    private static final Contract PAYMENTS = ContractCatalog.fromClasspath().latest("payments.transactions").orElseThrow();

    @Test
    void theSplicedValueIsByteForByteTheMaskedRecordEncodedWhole() throws Exception {
        Schema schema = PAYMENTS.avroSchema();
        PiiMasker masker = new PiiMasker(PAYMENTS, "test-hash-key-0123456789abcdef".getBytes(StandardCharsets.UTF_8));
        MaskedEncoding encoding = new MaskedEncoding(schema, masker.maskedPositions());
        SamplePayments samples = new SamplePayments(schema);
        SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < 20_000; i++) {
            GenericRecord r = samples.valid(i, Instant.parse("2026-01-01T00:00:00Z").plusSeconds(i));
            // Nulls wherever the schema allows them, PII included; long and multi-byte strings.
            for (Schema.Field f : schema.getFields()) {
                if (f.schema().isNullable() && random.nextInt(3) == 0) {
                    r.put(f.pos(), null);
                }
            }
            if (random.nextInt(5) == 0) {
                r.put("merchant_name", "Café ".repeat(random.nextInt(60)) + "🙂");
            }
            byte[] raw = WireFormat.encode(17, schema, r);
            GenericRecord decoded = new GenericDatumReader<GenericRecord>(schema)
                    .read(null, DecoderFactory.get().binaryDecoder(raw, WireFormat.HEADER_LENGTH, raw.length - WireFormat.HEADER_LENGTH, null));
            masker.mask(decoded);
            assertThat(encoding.encode(42, raw, decoded)).isEqualTo(WireFormat.encode(42, schema, decoded));
        }
    }

    @Test
    void bytesThatAreNotOneRecordOfTheSchemaAreLeftToTheWholeEncoding() {
        Schema schema = PAYMENTS.avroSchema();
        PiiMasker masker = new PiiMasker(PAYMENTS, "test-hash-key-0123456789abcdef".getBytes(StandardCharsets.UTF_8));
        MaskedEncoding encoding = new MaskedEncoding(schema, masker.maskedPositions());
        GenericRecord r = new SamplePayments(schema).valid(1, Instant.parse("2026-01-01T00:00:00Z"));
        byte[] raw = WireFormat.encode(17, schema, r);
        assertThat(encoding.encode(42, Arrays.copyOf(raw, raw.length - 1), r)).isNull(); // cut short
        assertThat(encoding.encode(42, Arrays.copyOf(raw, raw.length + 3), r)).isNull(); // bytes left over
    }
}
