package io.meshspine.sink.internal;

import org.apache.hadoop.conf.Configuration;

import java.nio.file.Path;
import java.util.Map;

/** Hadoop settings and lake paths: local paths by default, any Hadoop-compatible store by URI. */
public final class Hadoop {

    private Hadoop() {
    }

    /** Hadoop's defaults plus the given settings. */
    public static Configuration configuration(Map<String, String> settings) {
        Configuration conf = new Configuration();
        // Parquet reads through the local file system would otherwise verify and write .crc sidecars.
        conf.setBoolean("fs.file.impl.disable.cache", false);
        conf.set("parquet.avro.write-old-list-structure", "false");
        conf.set("parquet.avro.add-list-element-records", "false");
        settings.forEach(conf::set);
        // Delta versions on local and mounted file systems are created put-if-absent across processes.
        LogStores.configure(conf);
        return conf;
    }

    /** A lake root or table path as a URI: schemes are kept, a bare local path becomes an absolute {@code file:} URI. */
    public static String qualify(String location) {
        String trimmed = location.endsWith("/") ? location.substring(0, location.length() - 1) : location;
        if (trimmed.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*")) {
            return trimmed;
        }
        String uri = Path.of(trimmed).toAbsolutePath().normalize().toUri().toString();
        return uri.endsWith("/") ? uri.substring(0, uri.length() - 1) : uri;
    }

    /** The local directory of a {@code file:} URI, or null for other stores. */
    public static Path localPath(String uri) {
        return uri.startsWith("file:") ? Path.of(java.net.URI.create(uri)) : null;
    }
}
