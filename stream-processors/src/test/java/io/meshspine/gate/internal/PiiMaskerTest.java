package io.meshspine.gate.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.testkit.SamplePayments;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.util.Utf8;
import org.junit.jupiter.api.Test;

class PiiMaskerTest {

    private static final Contract PAYMENTS = ContractCatalog.fromClasspath().latest("payments.transactions").orElseThrow();
    private static final byte[] KEY = "test-hash-key-0123456789abcdef".getBytes(StandardCharsets.UTF_8);

    private static String reference(String value) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(KEY, "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(value.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void a_hashed_field_is_the_hex_hmac_of_its_utf8_text_whether_decoded_as_utf8_or_as_a_string() throws Exception {
        PiiMasker masker = new PiiMasker(PAYMENTS, KEY);
        for (String customer : new String[] {"C100001", "", "Zoë 🙂 Ørsted", "C".repeat(300)}) {
            GenericRecord asUtf8 = new SamplePayments(PAYMENTS.avroSchema()).valid(1, Instant.parse("2026-01-01T00:00:00Z"));
            // A reused Utf8 whose buffer is longer than its text, as Avro's decoder leaves it.
            byte[] text = customer.getBytes(StandardCharsets.UTF_8);
            byte[] buffer = "x".repeat(text.length + 50).getBytes(StandardCharsets.UTF_8);
            System.arraycopy(text, 0, buffer, 0, text.length);
            Utf8 reused = new Utf8(buffer);
            reused.setByteLength(text.length);
            asUtf8.put("customer_id", reused);
            GenericRecord asString = new SamplePayments(PAYMENTS.avroSchema()).valid(1, Instant.parse("2026-01-01T00:00:00Z"));
            asString.put("customer_id", customer);

            assertThat(masker.mask(asUtf8).get("customer_id")).isEqualTo(reference(customer));
            assertThat(masker.mask(asString).get("customer_id")).isEqualTo(reference(customer));
            assertThat(masker.hash(customer)).isEqualTo(reference(customer));
        }
    }

    @Test
    void hex_is_lower_case_two_digits_a_byte() {
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) {
            all[i] = (byte) i;
        }
        assertThat(PiiMasker.hex(all)).isEqualTo(HexFormat.of().formatHex(all));
    }
}
