package io.meshspine.core.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The key topic's JSON: every event reads back as it was written, and names no subject. */
class KeyEventTest {

    private static final Instant AT = Instant.parse("2026-12-02T15:00:00.123456Z");

    @Test
    void each_event_reads_back_as_written() {
        KeyEvent.Wrapped w = new KeyEvent.Wrapped("ab12", "payments", "00ff", "4d3f", new byte[] {1, 2, 3, (byte) 0xff}, AT);
        KeyEvent.Wrapped wBack = (KeyEvent.Wrapped) KeyEvent.decode(w.recordKey(), KeyEvent.encode(w));
        assertThat(wBack).usingRecursiveComparison().isEqualTo(w);

        KeyEvent.Destroyed d = new KeyEvent.Destroyed("ab12", "payments", "00ff", "erasure-1", AT);
        assertThat(KeyEvent.decode(d.recordKey(), KeyEvent.encode(d))).isEqualTo(d);

        KeyEvent.Erasure e = new KeyEvent.Erasure("ab12", "payments", "erasure-1", List.of("00ff", "11ee"), AT);
        assertThat(KeyEvent.decode(e.recordKey(), KeyEvent.encode(e))).isEqualTo(e);
    }

    @Test
    void the_json_is_one_object_with_the_documented_fields() {
        String json = new String(KeyEvent.encode(new KeyEvent.Erasure("ab12", "crm \"x\"", "erasure-1", List.of("00ff"), AT)), StandardCharsets.UTF_8);
        assertThat(json).isEqualTo("{\"scope\":\"ab12\",\"domain\":\"crm \\\"x\\\"\",\"type\":\"erasure\",\"erasure_id\":\"erasure-1\","
                + "\"key_ids\":[\"00ff\"],\"erased_at\":\"2026-12-02T15:00:00.123456Z\"}");
    }
}
