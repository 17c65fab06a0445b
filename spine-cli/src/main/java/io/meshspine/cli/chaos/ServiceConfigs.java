package io.meshspine.cli.chaos;

import io.meshspine.cli.run.Services;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The config files of a chaos run, written from the shipped templates under {@code ops/config/}: the template's lines
 * are kept (comments included), the keys the run must point elsewhere (broker, registry, ports, directories, database
 * hosts) get the run's values, and the run's own keys are appended. Each file is then loaded by {@code spine run} with
 * the service's declaration, so a key the template or the run gets wrong stops the service naming the key.
 */
final class ServiceConfigs {

    private ServiceConfigs() {
    }

    /**
     * @param template  {@code ops/config/<service>.properties}
     * @param overrides the values the run sets, replacing the template's line for a key it has (commented or not)
     */
    static Path write(Path template, Path target, Map<String, String> overrides) {
        if (Services.find(service(template)).isEmpty()) {
            throw new IllegalArgumentException("no service for the template " + template);
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(template, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the config template " + template + " (./spine chaos runs from the repository)", e);
        }
        Map<String, String> pending = new LinkedHashMap<>(overrides);
        List<String> out = new ArrayList<>();
        for (String line : lines) {
            String key = keyOf(line);
            if (key != null && pending.containsKey(key)) {
                out.add(key + "=" + pending.remove(key));
            } else {
                out.add(line);
            }
        }
        if (!pending.isEmpty()) {
            out.add("");
            out.add("# ./spine chaos: this run's own settings.");
            pending.forEach((k, v) -> out.add(k + "=" + v));
        }
        try {
            Files.createDirectories(target.getParent());
            Files.write(target, out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target, e);
        }
        return target;
    }

    private static String service(Path template) {
        String name = template.getFileName().toString();
        return name.endsWith(".properties") ? name.substring(0, name.length() - ".properties".length()) : name;
    }

    /** The key of a {@code key=value} line, also when it is commented out as an example ({@code # key=value}); else null. */
    static String keyOf(String line) {
        String s = line.strip();
        if (s.startsWith("#")) {
            s = s.substring(1).strip();
        }
        int eq = s.indexOf('=');
        if (eq <= 0) {
            return null;
        }
        String key = s.substring(0, eq).strip();
        return key.matches("[a-z][a-z0-9.\\-]*") ? key : null;
    }
}
