package io.meshspine.cli.run;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

class ConfigDocsAreCurrentTest {

    private static final Path README = Path.of("").toAbsolutePath().getParent().resolve("README.md");

    @Test
    void the_readme_config_tables_match_the_declared_settings_of_every_service() throws Exception {
        String current = Files.readString(README, StandardCharsets.UTF_8);
        if (!ConfigDocs.rewrite(current).equals(current)) {
            fail("README.md's config tables are stale: a setting was added, removed or changed. Regenerate with%n    %s%nand commit.",
                    ConfigDocs.REGENERATE_COMMAND);
        }
    }

    @Test
    void every_service_setting_is_in_the_tables_with_its_environment_variable() {
        String tables = ConfigDocs.render();
        Services.ALL.forEach(service -> service.definition().settings().forEach(setting ->
                assertThat(tables).contains("`" + setting.key() + "` | `" + setting.envName() + "`")));
    }
}
