package io.meshspine.ingest.cdc;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;

/**
 * How the lane reaches one source database server. The password and the trust store's password are secrets:
 * {@link #toString()} never prints them.
 *
 * @param tls           encryption of every connection to the server
 * @param trustFile     what verifies the server's certificate: a PEM CA file for PostgreSQL ({@code sslrootcert}), a
 *                      trust store (JKS or PKCS12) for MariaDB; empty for the JVM's (MariaDB) or {@code ~/.postgresql}
 * @param trustPassword the MariaDB trust store's password (empty when it has none)
 */
public record SourceConnection(String host, int port, String user, String password, TlsMode tls, Optional<Path> trustFile,
                               String trustPassword) {

    public SourceConnection {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(trustFile, "trustFile");
        password = password == null ? "" : password;
        trustPassword = trustPassword == null ? "" : trustPassword;
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be 1..65535, was " + port);
        }
    }

    /** A plain-text connection. */
    public SourceConnection(String host, int port, String user, String password) {
        this(host, port, user, password, TlsMode.DISABLE, Optional.empty(), "");
    }

    /** The machine's PostgreSQL as the embedded setup expects it: 127.0.0.1:5432, user postgres, trust auth. */
    public static SourceConnection localPostgres() {
        return new SourceConnection("127.0.0.1", 5432, "postgres", "");
    }

    /** The machine's MariaDB as the embedded setup expects it: 127.0.0.1:3306, root, empty password. */
    public static SourceConnection localMariaDb() {
        return new SourceConnection("127.0.0.1", 3306, "root", "");
    }

    public SourceConnection withTls(TlsMode mode, Optional<Path> file, String filePassword) {
        return new SourceConnection(host, port, user, password, mode, file, filePassword);
    }

    public SourceConnection withUser(String newUser, String newPassword) {
        return new SourceConnection(host, port, newUser, newPassword, tls, trustFile, trustPassword);
    }

    /** The JDBC URL of {@code database}, TLS options included (no credentials: those go as connection properties). */
    public String jdbcUrl(String scheme, String database) {
        String base = "jdbc:" + scheme + "://" + host + ":" + port + "/" + database;
        if (scheme.equals("postgresql")) {
            return base + "?sslmode=" + tls.postgresValue()
                    + trustFile.map(f -> "&sslrootcert=" + encode(f.toString())).orElse("");
        }
        return base + "?sslMode=" + tls.mariaDbValue()
                + trustFile.map(f -> "&trustStore=" + encode(f.toUri().toString())).orElse("");
    }

    /** The credentials (and the trust store's password) as JDBC connection properties, kept out of the URL. */
    public Properties jdbcProperties() {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        if (!trustPassword.isEmpty()) {
            p.setProperty("trustStorePassword", trustPassword);
        }
        return p;
    }

    /** A connection to {@code database} ({@code postgresql} or {@code mariadb}), as the lane's own checks open it. */
    public Connection connect(String scheme, String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(scheme, database), jdbcProperties());
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "SourceConnection[" + user + "@" + host + ":" + port + ", tls=" + tls + trustFile.map(f -> ", trust=" + f).orElse("")
                + (password.isEmpty() ? "" : ", password=<secret>") + "]";
    }
}
