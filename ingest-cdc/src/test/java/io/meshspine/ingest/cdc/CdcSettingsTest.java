package io.meshspine.ingest.cdc;

import io.meshspine.core.config.CommonSettings;
import io.meshspine.core.config.ConfigDef;
import io.meshspine.core.config.ConfigException;
import io.meshspine.core.config.SpineConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CdcSettingsTest {

    private static final ConfigDef INGEST = CommonSettings.define("ingest", CdcSettings.ALL);

    @Test
    void passwordsComeFromTheirFile_tlsFromItsSettings_andNeitherIsPrinted(@TempDir Path dir) throws Exception {
        Path secret = Files.writeString(dir.resolve("pg-password"), "s3cret-from-file\n");
        SpineConfig config = INGEST.parse(Map.of("cdc.postgres.password-file", secret.toString(), "cdc.postgres.tls", "verify-full",
                "cdc.postgres.tls-trust-file", "/etc/ca.pem", "cdc.mariadb.password", "maria-s3cret", "cdc.mariadb.tls", "require",
                "cdc.heartbeat-interval", "2s"));
        CdcConfig cdc = CdcSettings.toCdcConfig(config);
        assertThat(cdc.postgres().password()).isEqualTo("s3cret-from-file");
        assertThat(cdc.postgres().tls()).isEqualTo(TlsMode.VERIFY_FULL);
        assertThat(cdc.postgres().trustFile()).contains(Path.of("/etc/ca.pem"));
        assertThat(cdc.postgres().jdbcUrl("postgresql", "crm")).contains("sslmode=verify-full").contains("sslrootcert=")
                .doesNotContain("s3cret");
        assertThat(cdc.mariadb().password()).isEqualTo("maria-s3cret");
        assertThat(cdc.mariadb().jdbcUrl("mariadb", "accounts")).contains("sslMode=trust");
        assertThat(cdc.heartbeatInterval()).hasSeconds(2);
        assertThat(config.toString() + cdc.postgres() + cdc.mariadb() + cdc).doesNotContain("s3cret");
    }

    @Test
    void aPasswordFileThatIsMissingOrSetBesideThePasswordStopsTheServiceNamingTheKey(@TempDir Path dir) {
        SpineConfig missing = INGEST.parse(Map.of("cdc.mariadb.password-file", dir.resolve("nope").toString()));
        assertThatThrownBy(() -> CdcSettings.toCdcConfig(missing)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("cdc.mariadb.password-file").hasMessageContaining("nope");
        SpineConfig both = INGEST.parse(Map.of("cdc.postgres.password-file", dir.resolve("x").toString(), "cdc.postgres.password", "pw"));
        assertThatThrownBy(() -> CdcSettings.toCdcConfig(both)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("cdc.postgres.password-file").hasMessageContaining("cdc.postgres.password").hasMessageNotContaining("pw'");
    }
}
