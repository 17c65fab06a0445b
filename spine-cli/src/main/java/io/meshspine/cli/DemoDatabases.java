package io.meshspine.cli;

import io.meshspine.core.config.ConfigDef;
import io.meshspine.core.config.SpineConfig;
import io.meshspine.ingest.cdc.CdcSettings;
import io.meshspine.ingest.cdc.PostgresProbe;
import io.meshspine.ingest.cdc.SourceConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;

/**
 * The databases the demo captures: the machine's PostgreSQL and MariaDB where they are fit for CDC (found with the CDC
 * lane's own settings, {@code SPINE_CDC_POSTGRES_HOST}, {@code SPINE_CDC_POSTGRES_PORT}, ... as `./spine run ingest`
 * reads them), otherwise servers of its own from jars ({@link BundledPostgres}, {@link BundledMariaDb}); it says which.
 * Closing stops the bundled ones.
 */
final class DemoDatabases implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DemoDatabases.class);

    /** One source: where it is and whether it is the demo's own, or why there is none. */
    record Source(SourceConnection connection, boolean bundled, String offReason) {

        boolean on() {
            return connection != null;
        }
    }

    private final Source postgres;
    private final Source mariadb;
    private final BundledPostgres bundledPostgres;
    private final BundledMariaDb bundledMariaDb;

    private DemoDatabases(Source postgres, Source mariadb, BundledPostgres bundledPostgres, BundledMariaDb bundledMariaDb) {
        this.postgres = postgres;
        this.mariadb = mariadb;
        this.bundledPostgres = bundledPostgres;
        this.bundledMariaDb = bundledMariaDb;
    }

    /** The machine's servers as the CDC settings (defaults: 127.0.0.1:5432 and :3306) and their SPINE_CDC_* variables name them. */
    static SpineConfig machineSettings(Map<String, String> env) {
        return ConfigDef.of("demo", CdcSettings.ALL).load(null, env);
    }

    static DemoDatabases choose(SpineConfig settings, Path base, PrintStream out) {
        SourceConnection localPg = new SourceConnection(settings.get(CdcSettings.POSTGRES_HOST), settings.get(CdcSettings.POSTGRES_PORT),
                settings.get(CdcSettings.POSTGRES_USER), settings.get(CdcSettings.POSTGRES_PASSWORD));
        SourceConnection localMaria = new SourceConnection(settings.get(CdcSettings.MARIADB_HOST), settings.get(CdcSettings.MARIADB_PORT),
                settings.get(CdcSettings.MARIADB_USER), settings.get(CdcSettings.MARIADB_PASSWORD));
        BundledPostgres bundledPg = null;
        BundledMariaDb bundledMaria = null;
        Source pg;
        PostgresProbe.Reachability pgProbe = PostgresProbe.probe(localPg);
        if (pgProbe.capturable()) {
            pg = new Source(localPg, false, null);
            out.printf("  postgres  the machine's: %s%n", pgProbe.detail());
        } else {
            try {
                bundledPg = BundledPostgres.start(base);
                pg = new Source(bundledPg.connection(), true, null);
                out.printf("  postgres  the demo's own: %s%n            (the machine's is not fit for CDC: %s)%n", bundledPg.describe(), pgProbe.detail());
            } catch (RuntimeException e) {
                LOG.warn("bundled postgresql did not start problem={}", e.getMessage());
                pg = new Source(null, false, pgProbe.detail() + "; and the bundled PostgreSQL did not start: " + firstLine(e.getMessage()));
                out.printf("  postgres  none: %s%n", pg.offReason());
            }
        }
        Source maria;
        MariaDbProbe.Reachability mariaProbe = MariaDbProbe.probe(localMaria);
        if (mariaProbe.capturable()) {
            maria = new Source(localMaria, false, null);
            out.printf("  mariadb   the machine's: %s%n", mariaProbe.detail());
        } else {
            try {
                bundledMaria = BundledMariaDb.start(base);
                maria = new Source(bundledMaria.connection(), true, null);
                out.printf("  mariadb   the demo's own: %s%n            (the machine's is not fit for CDC: %s)%n", bundledMaria.describe(), mariaProbe.detail());
            } catch (RuntimeException e) {
                LOG.warn("bundled mariadb did not start problem={}", e.getMessage());
                maria = new Source(null, false, mariaProbe.detail() + "; and the bundled MariaDB did not start: " + firstLine(e.getMessage()));
                out.printf("  mariadb   none: %s%n", maria.offReason());
            }
        }
        return new DemoDatabases(pg, maria, bundledPg, bundledMaria);
    }

    /** The console gets the cause, the log the whole story (a server's last console lines). */
    private static String firstLine(String message) {
        return message == null ? "" : message.lines().findFirst().orElse("");
    }

    Source postgres() {
        return postgres;
    }

    Source mariadb() {
        return mariadb;
    }

    @Override
    public void close() {
        if (bundledMariaDb != null) {
            bundledMariaDb.close();
        }
        if (bundledPostgres != null) {
            bundledPostgres.close();
        }
    }
}
