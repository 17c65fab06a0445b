package io.meshspine.ingest.cdc;

import io.meshspine.core.contract.ConfigValue;

/**
 * How the lane's connections to a source database are encrypted: the engine's (replication / binlog) and its own
 * (prerequisite checks, signals). One spelling for both servers; each connector is told it in its own words.
 */
public enum TlsMode implements ConfigValue {
    /** Plain text: a database on the same host or a trusted network only. */
    DISABLE("disable", "disable"),
    /** Encrypted, the server's certificate not checked. */
    REQUIRE("require", "trust"),
    /** Encrypted, the server's certificate signed by the trusted CA ({@code trust-file}). */
    VERIFY_CA("verify-ca", "verify-ca"),
    /** As {@code verify-ca}, and the certificate names the host connected to. */
    VERIFY_FULL("verify-full", "verify-full");

    private final String postgres;
    private final String mariaDb;

    TlsMode(String postgres, String mariaDb) {
        this.postgres = postgres;
        this.mariaDb = mariaDb;
    }

    /** PostgreSQL's {@code sslmode} (JDBC and Debezium's {@code database.sslmode}). */
    public String postgresValue() {
        return postgres;
    }

    /** MariaDB Connector/J's {@code sslMode} and Debezium's {@code database.ssl.mode}. */
    public String mariaDbValue() {
        return mariaDb;
    }

    @Override
    public String toString() {
        return configValue();
    }
}
