package io.meshspine.cli.run;

import io.meshspine.core.config.ConfigDef;
import io.meshspine.core.config.ConfigException;
import io.meshspine.core.config.Setting;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The config files docker-compose mounts load as `./spine run` would load them: every key known, every value valid;
 * and so do the commented examples in them, once uncommented: an operator who uncomments one gets a service that starts.
 */
class OpsConfigFilesTest {

    private static final Path CONFIGS = Path.of("").toAbsolutePath().getParent().resolve("ops").resolve("config");

    /** A commented setting: {@code # some.key=value} (prose comments have spaces or no '=' before the value). */
    private static final Pattern COMMENTED_KEY = Pattern.compile("^#\\s*([a-z][a-z0-9]*(?:[.-][a-z0-9]+)+)\\s*=(.*)$");
    /** An environment variable named in prose. */
    private static final Pattern NAMED_ENV = Pattern.compile("\\bSPINE_[A-Z0-9_]+\\b");

    // Secrets come from the environment in compose, as they would in production.
    private static final Map<String, String> ENV = Map.of("SPINE_GATE_HASH_KEY", "a-hash-key-for-the-config-test");

    @Test
    void every_service_has_a_config_file_and_each_file_loads_with_its_service_settings() throws Exception {
        List<Path> files = configFiles();
        assertThat(files.stream().map(OpsConfigFilesTest::serviceOf)).containsExactlyInAnyOrderElementsOf(Services.names());
        for (Path file : files) {
            ConfigDef definition = Services.find(serviceOf(file)).orElseThrow().definition();
            assertThatCode(() -> definition.load(file, ENV)).as(file.toString()).doesNotThrowAnyException();
        }
    }

    @Test
    void every_commented_example_key_is_a_declared_setting_of_its_service_with_a_valid_value() throws Exception {
        int examples = 0;
        for (Path file : configFiles()) {
            ConfigDef definition = Services.find(serviceOf(file)).orElseThrow().definition();
            Map<String, String> commented = commentedSettings(Files.readString(file, StandardCharsets.UTF_8));
            examples += commented.size();
            // The file with every example uncommented: the same loader, so an unknown key fails naming it.
            Map<String, String> uncommented = new LinkedHashMap<>(activeSettings(file));
            uncommented.putAll(commented);
            Path all = Files.createTempFile("ops-config-uncommented-", ".properties");
            try {
                Properties props = new Properties();
                props.putAll(uncommented);
                try (var out = Files.newBufferedWriter(all)) {
                    props.store(out, file.toString() + " with every example uncommented");
                }
                assertThatCode(() -> definition.load(all, ENV)).as("%s, its commented examples %s", file, commented.keySet())
                        .doesNotThrowAnyException();
            } finally {
                Files.deleteIfExists(all);
            }
        }
        assertThat(examples).as("the config files show commented examples").isGreaterThanOrEqualTo(8);
    }

    @Test
    void every_environment_variable_a_config_file_names_is_the_variable_of_a_declared_setting() throws Exception {
        for (Path file : configFiles()) {
            List<String> envNames = Services.find(serviceOf(file)).orElseThrow().definition().settings().stream().map(Setting::envName).toList();
            List<String> named = new ArrayList<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                Matcher m = NAMED_ENV.matcher(line);
                while (m.find()) {
                    named.add(m.group());
                }
            }
            assertThat(named).as("%s names SPINE_* variables of its own settings only", file).allMatch(envNames::contains);
        }
    }

    @Test
    void the_commented_key_check_fails_on_a_key_no_service_declares() {
        // The check above could pass by reading nothing: show it parses a commented key and that the loader refuses it.
        Map<String, String> commented = commentedSettings("""
                # Where the Delta tables live (prose, not a key).
                # sink.lake.root=file:/var/lib/spine/lake
                #   SPINE_SINK_LAKE=/var/lib/spine/lake
                """);
        assertThat(commented).containsOnlyKeys("sink.lake.root");
        ConfigDef sink = Services.find("sink").orElseThrow().definition();
        assertThatThrownBy(() -> sink.parse(commented)).isInstanceOf(ConfigException.class).hasMessageContaining("sink.lake.root").hasMessageContaining("unknown key");
    }

    static Map<String, String> commentedSettings(String text) {
        Map<String, String> found = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            Matcher key = COMMENTED_KEY.matcher(line.strip());
            // Commented SPINE_* variables are checked by every_environment_variable_a_config_file_names_is_...
            if (key.matches()) {
                found.put(key.group(1), key.group(2).strip());
            }
        }
        return found;
    }

    private static Map<String, String> activeSettings(Path file) throws IOException {
        Properties p = new Properties();
        p.load(new StringReader(Files.readString(file, StandardCharsets.UTF_8)));
        Map<String, String> map = new LinkedHashMap<>();
        p.stringPropertyNames().forEach(k -> map.put(k, p.getProperty(k)));
        return map;
    }

    private static List<Path> configFiles() throws IOException {
        try (Stream<Path> listing = Files.list(CONFIGS)) {
            return listing.filter(f -> f.toString().endsWith(".properties")).sorted().toList();
        }
    }

    private static String serviceOf(Path file) {
        return file.getFileName().toString().replace(".properties", "");
    }
}
