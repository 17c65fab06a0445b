package io.meshspine.core.config;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.stream.Collectors;

/** A service's settings after loading: typed values, read by their declarations. */
public final class SpineConfig {

    private final String service;
    private final Map<Setting<?>, Object> values;
    private final Map<String, String> passThrough;

    SpineConfig(String service, Map<Setting<?>, Object> values, Map<String, String> passThrough) {
        this.service = service;
        this.values = Map.copyOf(values);
        this.passThrough = Map.copyOf(passThrough);
    }

    @SuppressWarnings("unchecked")
    public <T> T get(Setting<T> setting) {
        Object v = values.get(setting);
        if (v == null) {
            throw new NoSuchElementException(service + ": " + setting.key() + " has no value (not declared, or no default)");
        }
        return (T) v;
    }

    @SuppressWarnings("unchecked")
    public <T> Optional<T> find(Setting<T> setting) {
        return Optional.ofNullable((T) values.get(setting));
    }

    /** The pass-through keys under {@code prefix}, the prefix removed: e.g. {@code kafka.security.protocol}. */
    public Map<String, String> passThrough(String prefix) {
        Map<String, String> out = new LinkedHashMap<>();
        passThrough.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                out.put(k.substring(prefix.length()), v);
            }
        });
        return out;
    }

    /** Secrets and pass-through values (which may hold passwords) shown as {@code <secret>}. */
    @Override
    public String toString() {
        String shown = values.entrySet().stream()
                .map(e -> e.getKey().key() + "=" + (e.getKey().isSecret() ? "<secret>" : Setting.format(e.getValue())))
                .collect(Collectors.joining(", "));
        String passed = passThrough.keySet().stream().map(k -> k + "=<secret>").collect(Collectors.joining(", "));
        return service + "{" + shown + (passed.isEmpty() ? "" : ", " + passed) + "}";
    }
}
