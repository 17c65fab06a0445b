package io.meshspine.ingest.cdc;

import java.util.Objects;

/**
 * How the lane reaches one source database server. The password is a secret: {@link #toString()} never prints it.
 */
public record SourceConnection(String host, int port, String user, String password) {

    public SourceConnection {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(user, "user");
        password = password == null ? "" : password;
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be 1..65535, was " + port);
        }
    }

    /** The machine's PostgreSQL as the embedded setup expects it: 127.0.0.1:5432, user postgres, trust auth. */
    public static SourceConnection localPostgres() {
        return new SourceConnection("127.0.0.1", 5432, "postgres", "");
    }

    /** The machine's MariaDB as the embedded setup expects it: 127.0.0.1:3306, root, empty password. */
    public static SourceConnection localMariaDb() {
        return new SourceConnection("127.0.0.1", 3306, "root", "");
    }

    public String jdbcUrl(String scheme, String database) {
        return "jdbc:" + scheme + "://" + host + ":" + port + "/" + database;
    }

    @Override
    public String toString() {
        return "SourceConnection[" + user + "@" + host + ":" + port + (password.isEmpty() ? "" : ", password=<secret>") + "]";
    }
}
