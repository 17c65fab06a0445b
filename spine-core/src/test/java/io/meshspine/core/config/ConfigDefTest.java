package io.meshspine.core.config;

import io.meshspine.core.contract.ConfigValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigDefTest {

    enum Mode implements ConfigValue { FAST_PATH, SAFE }

    static final Setting<Duration> WINDOW = Setting.duration("gate.dedup-window", Duration.ofDays(7), "How long identities are kept.").positive();
    static final Setting<String> KEY = Setting.string("gate.hash-key", null, "HMAC key.").required().secret();
    static final Setting<Mode> MODE = Setting.choice("gate.mode", Mode.class, Mode.SAFE, "How to run.");
    static final Setting<Long> BATCH = Setting.bytes("sink.max-bytes", 128L << 20, "Largest batch.");
    static final ConfigDef DEF = CommonSettings.define("gate", List.of(WINDOW, KEY, MODE, BATCH));

    @Test
    void a_file_is_read_typed_and_the_environment_wins_over_it(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("gate.properties"), """
                kafka.bootstrap.servers=broker:9093
                kafka.security.protocol=SSL
                gate.hash-key=0123456789abcdef0123
                gate.dedup-window=2h
                gate.mode=fast-path
                sink.max-bytes=64MB
                """);

        SpineConfig config = DEF.load(file, Map.of("SPINE_GATE_DEDUP_WINDOW", "90s", "SPINE_UNRELATED", "x"));

        assertThat(config.get(WINDOW)).isEqualTo(Duration.ofSeconds(90));
        assertThat(config.get(MODE)).isEqualTo(Mode.FAST_PATH);
        assertThat(config.get(BATCH)).isEqualTo(64L << 20);
        assertThat(config.get(CommonSettings.OPS_PORT)).isEqualTo(9400);
        assertThat(CommonSettings.kafkaClient(config))
                .containsEntry("bootstrap.servers", "broker:9093").containsEntry("security.protocol", "SSL");
        assertThat(config.toString()).doesNotContain("0123456789abcdef").contains("gate.hash-key=<secret>");
    }

    @Test
    void an_unknown_key_fails_naming_the_key_the_file_and_the_nearest_known_key(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("gate.properties"), "gate.hash-key=0123456789abcdef\ngate.dedup-windw=2h\n");

        assertThatThrownBy(() -> DEF.load(file, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("gate.dedup-windw").hasMessageContaining(file.toString())
                .hasMessageContaining("did you mean gate.dedup-window?");
    }

    @Test
    void a_bad_value_fails_naming_key_and_source_but_never_a_secret() {
        assertThatThrownBy(() -> DEF.parse(Map.of("gate.hash-key", "k".repeat(16), "gate.dedup-window", "-5s")))
                .hasMessageContaining("gate.dedup-window").hasMessageContaining("'-5s'");
        assertThatThrownBy(() -> DEF.parse(Map.of("gate.hash-key", "k".repeat(16), "gate.mode", "turbo")))
                .hasMessageContaining("gate.mode").hasMessageContaining("fast-path|safe");
        assertThatThrownBy(() -> DEF.parse(Map.of("gate.dedup-window", "1h")))
                .hasMessageContaining("gate.hash-key").hasMessageContaining("SPINE_GATE_HASH_KEY");
        assertThatThrownBy(() -> DEF.load(null, Map.of("SPINE_GATE_HASH_KEY", "secret-value", "SPINE_OPS_PORT", "99999")))
                .hasMessageContaining("ops.port").hasMessageContaining("environment SPINE_OPS_PORT");
    }

    @Test
    void the_table_lists_every_key_with_its_environment_name_type_and_default_and_hides_secrets() {
        String table = DEF.markdownTable();

        assertThat(table).contains("| `gate.dedup-window` | `SPINE_GATE_DEDUP_WINDOW` | duration | `7d` |")
                .contains("| `gate.mode` | `SPINE_GATE_MODE` | fast-path\\|safe | `safe` |")
                .contains("| `gate.hash-key` | `SPINE_GATE_HASH_KEY` | string | `(required)` |")
                .contains("| `sink.max-bytes` | `SPINE_SINK_MAX_BYTES` | bytes | `134217728` |")
                .contains("`kafka.*`");
    }

    @Test
    void a_setting_without_documentation_or_declared_twice_is_refused() {
        assertThatThrownBy(() -> Setting.string("x", "y", " ")).hasMessageContaining("no documentation");
        assertThatThrownBy(() -> ConfigDef.of("s", List.of(WINDOW, WINDOW))).hasMessageContaining("declared twice");
    }
}
