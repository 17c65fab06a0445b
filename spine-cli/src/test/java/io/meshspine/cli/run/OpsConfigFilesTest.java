package io.meshspine.cli.run;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/** The config files docker-compose mounts load as `./spine run` would load them: every key known, every value valid. */
class OpsConfigFilesTest {

    private static final Path CONFIGS = Path.of("").toAbsolutePath().getParent().resolve("ops").resolve("config");

    @Test
    void every_service_has_a_config_file_and_each_file_loads_with_its_service_settings() throws Exception {
        List<Path> files;
        try (Stream<Path> listing = Files.list(CONFIGS)) {
            files = listing.filter(f -> f.toString().endsWith(".properties")).sorted().toList();
        }
        assertThat(files.stream().map(f -> f.getFileName().toString().replace(".properties", "")))
                .containsExactlyInAnyOrderElementsOf(Services.names());
        // Secrets come from the environment in compose, as they would in production.
        Map<String, String> env = Map.of("SPINE_GATE_HASH_KEY", "a-hash-key-for-the-config-test");
        for (Path file : files) {
            SpineService service = Services.find(file.getFileName().toString().replace(".properties", "")).orElseThrow();
            assertThatCode(() -> service.definition().load(file, env)).as(file.toString()).doesNotThrowAnyException();
        }
    }
}
