package io.meshspine.core.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * A service's declared settings, and the one way config is read: a properties file, then {@code SPINE_*} environment
 * variables over it, then defaults. Keys under a pass-through prefix (e.g. {@code kafka.} for TLS/SASL client
 * settings) are accepted as they are; any other unknown key fails the start, naming the key and the file.
 */
public final class ConfigDef {

    private final String service;
    private final List<Setting<?>> settings;
    private final Map<String, String> passThrough;

    private ConfigDef(String service, List<Setting<?>> settings, Map<String, String> passThrough) {
        this.service = service;
        this.settings = List.copyOf(settings);
        // Declaration order, not Map.copyOf's: the README table must render the same in every JVM.
        this.passThrough = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(passThrough));
        Map<String, Setting<?>> seen = new LinkedHashMap<>();
        for (Setting<?> s : settings) {
            if (seen.put(s.key(), s) != null) {
                throw new IllegalArgumentException(service + ": setting " + s.key() + " declared twice");
            }
        }
    }

    public static ConfigDef of(String service, List<Setting<?>> settings) {
        return new ConfigDef(service, settings, Map.of());
    }

    /** Also accept any key starting with {@code prefix}, handed on unparsed (see {@link SpineConfig#passThrough}). */
    public ConfigDef passingThrough(String prefix, String doc) {
        Map<String, String> p = new LinkedHashMap<>(passThrough);
        p.put(prefix, doc);
        return new ConfigDef(service, settings, p);
    }

    /** This definition plus another's settings (a service's own on top of shared ones). */
    public ConfigDef with(List<Setting<?>> more) {
        List<Setting<?>> all = new ArrayList<>(settings);
        all.addAll(more);
        return new ConfigDef(service, all, passThrough);
    }

    public String service() {
        return service;
    }

    public List<Setting<?>> settings() {
        return settings;
    }

    /** Reads {@code file} (null: none) and {@code env} over it. */
    public SpineConfig load(Path file, Map<String, String> env) {
        Map<String, String> fromFile = new LinkedHashMap<>();
        String fileName = file == null ? null : file.toString();
        if (file != null) {
            Properties props = new Properties();
            try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                props.load(in);
            } catch (NoSuchFileException e) {
                throw new ConfigException("--config", fileName, "no such file");
            } catch (IOException | IllegalArgumentException e) {
                throw new ConfigException("--config", fileName, "cannot be read: " + e.getMessage());
            }
            props.stringPropertyNames().forEach(k -> fromFile.put(k, props.getProperty(k)));
        }
        return resolve(fromFile, fileName, env);
    }

    /** Settings given directly (tests, the demo): the same checks as a file. */
    public SpineConfig parse(Map<String, String> raw) {
        return resolve(raw, "given", Map.of());
    }

    private SpineConfig resolve(Map<String, String> raw, String rawSource, Map<String, String> env) {
        Map<String, Setting<?>> byKey = new LinkedHashMap<>();
        settings.forEach(s -> byKey.put(s.key(), s));
        Map<String, String> passed = new TreeMap<>();
        for (String key : raw.keySet()) {
            if (!byKey.containsKey(key)) {
                if (passThrough.keySet().stream().anyMatch(key::startsWith)) {
                    passed.put(key, raw.get(key));
                } else {
                    throw new ConfigException(key, rawSource, "unknown key for " + service + nearest(key));
                }
            }
        }
        Map<Setting<?>, Object> values = new LinkedHashMap<>();
        for (Setting<?> s : settings) {
            String fromEnv = env.get(s.envName());
            String text = fromEnv != null ? fromEnv : raw.get(s.key());
            String source = fromEnv != null ? "environment " + s.envName() : rawSource;
            if (text != null) {
                values.put(s, s.parse(text, source));
            } else if (s.isRequired()) {
                throw new ConfigException(s.key(), null, "required, set it in the config file or as " + s.envName());
            } else {
                s.defaultValue().ifPresent(v -> values.put(s, v));
            }
        }
        return new SpineConfig(service, values, passed);
    }

    private String nearest(String key) {
        return settings.stream().map(Setting::key)
                .min(Comparator.comparingInt(k -> distance(k, key)))
                .filter(k -> distance(k, key) <= 3)
                .map(k -> " (did you mean " + k + "?)")
                .orElse("");
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /** The README table: key, environment variable, type, default, meaning. */
    public String markdownTable() {
        StringBuilder md = new StringBuilder("| key | environment | type | default | meaning |\n|---|---|---|---|---|\n");
        for (Setting<?> s : settings) {
            md.append("| `").append(s.key()).append("` | `").append(s.envName()).append("` | ").append(s.type().replace("|", "\\|"))
                    .append(" | `").append(s.defaultText()).append("` | ").append(s.doc().replace("|", "\\|")).append(" |\n");
        }
        passThrough.forEach((prefix, doc) -> md.append("| `").append(prefix).append("*` | | string | | ")
                .append(doc.replace("|", "\\|")).append(" |\n"));
        return md.toString();
    }
}
