package io.meshspine.core.config;

/** A setting that is unknown, missing or wrong: the message names the key and where the value came from. */
public final class ConfigException extends RuntimeException {

    private final String key;

    public ConfigException(String key, String source, String problem) {
        super("config " + key + (source == null ? "" : " (" + source + ")") + ": " + problem);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
