package io.meshspine.core.lineage;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

/**
 * Dataset names by the OpenLineage naming spec: a Kafka topic is {@code kafka://<host>:<port>} + topic (the first
 * bootstrap server); a Delta table or a file on local disk is {@code file} + its absolute path; on S3 it is
 * {@code s3://<bucket>} + the key (s3a and s3n are S3 too); on ADLS {@code abfss://<container>@<account>...} + the path.
 * A PostgreSQL table is {@code postgres://<host>:<port>} + {@code <database>.<schema>.<table>}; a MySQL-protocol table
 * (MariaDB: the naming spec has no scheme of its own for it) {@code mysql://<host>:<port>} + {@code <database>.<table>}.
 */
public final class Datasets {

    private Datasets() {
    }

    public static String kafkaNamespace(String bootstrapServers) {
        String first = bootstrapServers.split(",")[0].trim();
        int scheme = first.indexOf("://");
        return "kafka://" + (scheme >= 0 ? first.substring(scheme + 3) : first);
    }

    public static InputDataset kafkaInput(String bootstrapServers, String topic) {
        return new InputDataset(kafkaNamespace(bootstrapServers), topic, Map.of(), Map.of());
    }

    public static OutputDataset kafkaOutput(String bootstrapServers, String topic) {
        return new OutputDataset(kafkaNamespace(bootstrapServers), topic, Map.of(), Map.of());
    }

    /** Namespace and name of a path or storage URI ({@code ./lake/silver/x}, {@code file:/data}, {@code s3a://b/k}). */
    public static String[] storage(String location) {
        URI uri = location.contains("://") || location.startsWith("file:") ? URI.create(location) : null;
        if (uri == null || "file".equals(uri.getScheme())) {
            Path p = uri == null ? Path.of(location) : Path.of(uri.getPath());
            return new String[]{"file", p.toAbsolutePath().normalize().toString()};
        }
        String scheme = uri.getScheme();
        if (scheme.equals("s3a") || scheme.equals("s3n")) {
            scheme = "s3";
        }
        String path = uri.getPath() == null ? "" : uri.getPath();
        if (scheme.equals("s3") || scheme.equals("gs")) {
            return new String[]{scheme + "://" + uri.getAuthority(), path.startsWith("/") ? path.substring(1) : path};
        }
        return new String[]{scheme + "://" + uri.getAuthority(), path};
    }

    public static InputDataset storageInput(String location) {
        String[] n = storage(location);
        return new InputDataset(n[0], n[1], Map.of(), Map.of());
    }

    public static OutputDataset storageOutput(String location) {
        String[] n = storage(location);
        return new OutputDataset(n[0], n[1], Map.of(), Map.of());
    }

    /** A PostgreSQL table a CDC capture reads. */
    public static InputDataset postgresTable(String host, int port, String database, String schema, String table) {
        return new InputDataset("postgres://" + host + ":" + port, database + "." + schema + "." + table, Map.of(), Map.of());
    }

    /** A MariaDB (MySQL protocol) table a CDC capture reads. */
    public static InputDataset mysqlTable(String host, int port, String database, String table) {
        return new InputDataset("mysql://" + host + ":" + port, database + "." + table, Map.of(), Map.of());
    }
}
