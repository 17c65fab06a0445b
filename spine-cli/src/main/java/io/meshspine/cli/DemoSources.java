package io.meshspine.cli;

import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.contract.Lane;
import io.meshspine.core.contract.SourceBinding;
import io.meshspine.core.ops.SpineMetrics;
import io.meshspine.ingest.cdc.CdcConfig;
import io.meshspine.ingest.cdc.CdcDemoTable;
import io.meshspine.ingest.cdc.CdcLane;
import io.meshspine.ingest.cdc.PostgresProbe;
import io.meshspine.ingest.cdc.SourceConnection;
import io.meshspine.ingest.cdc.internal.ConnectorProperties;
import io.meshspine.ingest.file.FileLane;
import io.meshspine.ingest.file.FileLaneConfig;

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
import java.util.List;

/**
 * The demo's real sources besides the synthetic events: a customers table in the machine's PostgreSQL captured by the
 * CDC lane (when PostgreSQL is there), and the file lane watching {@code ./landing}, seeded with one loan file that has
 * a couple of bad rows. Closing stops both and drops the demo database and its replication slot.
 */
final class DemoSources implements AutoCloseable {

    private final CdcDemoTable table;
    private final CdcLane cdc;
    private final String slot;
    private final FileLane files;

    private DemoSources(CdcDemoTable table, CdcLane cdc, String slot, FileLane files) {
        this.table = table;
        this.cdc = cdc;
        this.slot = slot;
        this.files = files;
    }

    static DemoSources start(ContractCatalog contracts, String bootstrap, String registryUrl, Path landing, SpineMetrics metrics,
                             PrintStream out) {
        CdcDemoTable table = null;
        CdcLane cdc = null;
        String slot = null;
        SourceConnection postgres = SourceConnection.localPostgres();
        PostgresProbe.Reachability pg = PostgresProbe.probe(postgres);
        Contract customers = contracts.latest(CdcDemoTable.CONTRACT_ID).orElse(null);
        if (!pg.capturable() || customers == null) {
            out.printf("  cdc       off: %s%n", customers == null ? "no " + CdcDemoTable.CONTRACT_ID + " contract" : pg.detail());
        } else {
            table = CdcDemoTable.create(postgres, CdcDemoTable.DEFAULT_DATABASE);
            CdcConfig config = CdcConfig.defaults(bootstrap, registryUrl).withDatabase(CdcDemoTable.CONTRACT_ID, table.database());
            slot = ConnectorProperties.slotName(config, customers);
            cdc = CdcLane.start(config, List.of(customers), metrics.registry());
            table.startChanging(Duration.ofSeconds(1));
            out.printf("  cdc       PostgreSQL %s.public.customers -> %s (a change a second)%n", table.database(), customers.rawTopic());
        }
        FileLane files = FileLane.start(FileLaneConfig.defaults(bootstrap, registryUrl, landing), contracts, metrics.registry());
        contracts.contracts().stream().filter(c -> c.lane() == Lane.FILE).findFirst().ifPresent(loans -> {
            Path dir = landing.resolve(((SourceBinding.File) loans.source()).landingGlob()).getParent();
            Path dropped = drop(dir, "demo-" + Instant.now().getEpochSecond() + ".csv", sampleLoans(20));
            out.printf("  files     %s watched; %s dropped (2 bad rows); drop more CSVs into %s%n", landing, dropped.getFileName(), dir);
        });
        return new DemoSources(table, cdc, slot, files);
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
        files.close();
        if (table != null) {
            table.close();
        }
        if (cdc != null) {
            cdc.close();
            // The demo's database is the demo's: gone with it, and its slot too, or PostgreSQL keeps WAL for it forever.
            CdcDemoTable.drop(SourceConnection.localPostgres(), table.database(), slot);
        }
    }
}
