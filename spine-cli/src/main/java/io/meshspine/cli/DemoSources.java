package io.meshspine.cli;

import io.meshspine.cli.run.StageHealth;
import io.meshspine.core.config.SpineConfig;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.contract.Lane;
import io.meshspine.core.contract.SourceBinding;
import io.meshspine.core.ops.Health;
import io.meshspine.core.ops.SpineMetrics;
import io.meshspine.ingest.cdc.CdcConfig;
import io.meshspine.ingest.cdc.CdcDemoTable;
import io.meshspine.ingest.cdc.CdcLane;
import io.meshspine.ingest.cdc.internal.ConnectorProperties;
import io.meshspine.ingest.file.FileLane;
import io.meshspine.ingest.file.FileLaneConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * The demo's real sources besides the synthetic events: a customers table in PostgreSQL and a services table in
 * MariaDB, captured by the CDC lane (the machine's servers when fit for CDC, else the demo's own, see
 * {@link DemoDatabases}), and the file lane watching {@code ./landing}, seeded with one loan file that has a couple of
 * bad rows. Each stage registers its health check. Closing stops them all, drops the demo databases (and the
 * PostgreSQL replication slot) from the machine's servers, and stops the demo's own.
 */
final class DemoSources implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DemoSources.class);

    private final DemoDatabases databases;
    private final CdcDemoTable customers;
    private final DemoServicesTable services;
    private final CdcLane cdc;
    private final String slot;
    private final FileLane files;

    private DemoSources(DemoDatabases databases, CdcDemoTable customers, DemoServicesTable services, CdcLane cdc, String slot, FileLane files) {
        this.databases = databases;
        this.customers = customers;
        this.services = services;
        this.cdc = cdc;
        this.slot = slot;
        this.files = files;
    }

    static DemoSources start(ContractCatalog contracts, String bootstrap, String registryUrl, Path landing,
                             io.meshspine.core.lineage.LineageConfig lineage, SpineMetrics metrics,
                             Health health, SpineConfig machineDatabases, Path embeddedBase, PrintStream out) {
        DemoDatabases databases = DemoDatabases.choose(machineDatabases, embeddedBase, out);
        CdcDemoTable customers = null;
        DemoServicesTable services = null;
        CdcLane cdc = null;
        String slot = null;
        FileLane files = null;
        try {
            CdcConfig config = CdcConfig.defaults(bootstrap, registryUrl).withPrivacy(io.meshspine.core.privacy.PrivacyConfig.DEMO);
            List<Contract> captured = new ArrayList<>();
            List<String> lines = new ArrayList<>();
            Contract customersContract = contracts.latest(CdcDemoTable.CONTRACT_ID).orElse(null);
            String pgOff = off(databases.postgres(), customersContract, CdcDemoTable.CONTRACT_ID);
            if (pgOff == null) {
                try {
                    customers = CdcDemoTable.create(databases.postgres().connection(), CdcDemoTable.DEFAULT_DATABASE);
                    config = config.withPostgres(databases.postgres().connection()).withDatabase(CdcDemoTable.CONTRACT_ID, customers.database());
                    captured.add(customersContract);
                    lines.add("PostgreSQL " + customers.database() + ".public.customers -> " + customersContract.rawTopic());
                } catch (IllegalStateException e) {
                    pgOff = e.getMessage();
                }
            }
            Contract servicesContract = contracts.latest(DemoServicesTable.CONTRACT_ID).orElse(null);
            String mariaOff = off(databases.mariadb(), servicesContract, DemoServicesTable.CONTRACT_ID);
            if (mariaOff == null) {
                try {
                    services = DemoServicesTable.create(databases.mariadb().connection());
                    config = config.withMariaDb(databases.mariadb().connection()).withDatabase(DemoServicesTable.CONTRACT_ID, DemoServicesTable.DATABASE);
                    captured.add(servicesContract);
                    lines.add("MariaDB " + DemoServicesTable.DATABASE + ".services -> " + servicesContract.rawTopic());
                } catch (IllegalStateException e) {
                    mariaOff = e.getMessage();
                }
            }
            if (!captured.isEmpty()) {
                if (customers != null) {
                    slot = ConnectorProperties.slotName(config, customersContract);
                }
                cdc = CdcLane.start(config, captured, metrics.registry(), lineage);
                StageHealth.registerCdc(health, cdc);
                if (customers != null) {
                    customers.startChanging(Duration.ofSeconds(1));
                }
                if (services != null) {
                    services.startChanging(Duration.ofSeconds(1));
                }
                out.printf("  cdc       %s (a change a second each)%n", String.join("; ", lines));
            }
            reportOff(health, out, customersContract, CdcDemoTable.CONTRACT_ID, pgOff);
            reportOff(health, out, servicesContract, DemoServicesTable.CONTRACT_ID, mariaOff);

            files = FileLane.start(FileLaneConfig.defaults(bootstrap, registryUrl, landing).withLineage(lineage)
                    .withPrivacy(io.meshspine.core.privacy.PrivacyConfig.DEMO), contracts, metrics.registry());
            StageHealth.registerFileLane(health, files);
            contracts.contracts().stream().filter(c -> c.lane() == Lane.FILE).findFirst().ifPresent(loans -> {
                Path dir = landing.resolve(((SourceBinding.File) loans.source()).landingGlob()).getParent();
                Path dropped = drop(dir, "demo-" + Instant.now().getEpochSecond() + ".csv", sampleLoans(20));
                out.printf("  files     %s watched; %s dropped (2 bad rows); drop more CSVs into %s%n", landing, dropped.getFileName(), dir);
            });
            return new DemoSources(databases, customers, services, cdc, slot, files);
        } catch (RuntimeException e) {
            new DemoSources(databases, customers, services, cdc, slot, files).close();
            throw e;
        }
    }

    /** Why a table is not captured (null: it is). */
    private static String off(DemoDatabases.Source source, Contract contract, String contractId) {
        if (contract == null) {
            return "no " + contractId + " contract";
        }
        return source.on() ? null : source.offReason();
    }

    private static void reportOff(Health health, PrintStream out, Contract contract, String contractId, String why) {
        if (why != null) {
            out.printf("  cdc       %s off: %s%n", contractId, why);
            StageHealth.registerOff(health, "cdc." + (contract == null ? contractId : contract.qualifiedName()), why);
        }
    }

    /** Written under a temporary name, then renamed: the lane takes only whole files. */
    private static Path drop(Path dir, String name, String content) {
        try {
            Files.createDirectories(dir);
            Path part = dir.resolve(name + ".part");
            Files.writeString(part, content, StandardCharsets.UTF_8);
            return Files.move(part, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot drop the demo's sample file into " + dir, e);
        }
    }

    /** Loan applications; row 7 has an amount that is no number, row 13 a status the contract does not allow. */
    static String sampleLoans(int rows) {
        StringBuilder csv = new StringBuilder("application_id,customer_id,product,amount,term_months,status,submitted_at,decided_at,broker_code\n");
        Instant base = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(3, ChronoUnit.DAYS);
        String batch = Long.toString(Instant.now().getEpochSecond(), 36).toUpperCase();
        String[] products = {"HOME", "PERSONAL", "CAR", "BUSINESS"};
        String[] statuses = {"SUBMITTED", "APPROVED", "DECLINED", "WITHDRAWN"};
        for (int i = 1; i <= rows; i++) {
            String amount = i == 7 ? "twelve thousand" : (5_000 + 1_250 * i) + ".00";
            String status = i == 13 ? "LOST" : statuses[i % statuses.length];
            Instant submitted = base.plus(i, ChronoUnit.HOURS);
            String decided = status.equals("SUBMITTED") ? "" : submitted.plus(1, ChronoUnit.DAYS).toString();
            csv.append("APP-").append(batch).append('-').append(i).append(",C").append(200_000 + i).append(',')
                    .append(products[i % products.length]).append(',').append(amount).append(',').append(12 * (1 + i % 5)).append(',')
                    .append(status).append(',').append(submitted).append(',').append(decided).append(",BRK-").append(100 + i).append('\n');
        }
        return csv.toString();
    }

    @Override
    public void close() {
        if (files != null) {
            files.close();
        }
        if (customers != null) {
            customers.close();
        }
        if (services != null) {
            services.close();
        }
        if (cdc != null) {
            cdc.close();
        }
        // The demo's databases are the demo's: gone with it from the machine's servers, the PostgreSQL slot too (or the
        // server keeps WAL for it forever). The demo's own servers go as a whole.
        try {
            if (customers != null && !databases.postgres().bundled()) {
                CdcDemoTable.drop(databases.postgres().connection(), customers.database(), slot == null ? "" : slot);
            }
            if (services != null && !databases.mariadb().bundled()) {
                DemoServicesTable.drop(databases.mariadb().connection());
            }
        } catch (IllegalStateException e) {
            LOG.warn("demo database not dropped problem={}", e.getMessage());
        } finally {
            databases.close();
        }
    }
}
