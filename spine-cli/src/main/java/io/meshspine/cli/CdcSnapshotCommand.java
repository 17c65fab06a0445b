package io.meshspine.cli;

import io.meshspine.cli.run.Services;
import io.meshspine.core.config.ConfigException;
import io.meshspine.core.config.SpineConfig;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.contract.Lane;
import io.meshspine.core.contract.SourceBinding;
import io.meshspine.ingest.cdc.CdcConfig;
import io.meshspine.ingest.cdc.CdcSettings;
import io.meshspine.ingest.cdc.SnapshotRequest;
import io.meshspine.ingest.cdc.SourceConnection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code ./spine cdc snapshot <contract> [--where "<condition>"]}: asks the running capture of the contract's
 * database for an incremental snapshot of its table (or a slice), through Debezium's signal table.
 */
@Command(name = "snapshot", mixinStandardHelpOptions = true,
        description = {"Re-read a CDC contract's table (or the rows matching --where) while streaming goes on: an incremental "
                + "snapshot, chunked and without locks, asked of the running lane through its signal table.",
                "Settings: the ingest service's (--config file, then SPINE_CDC_* variables).",
                "Exit codes: 0 requested, 2 usage, unknown or non-CDC contract, bad configuration, 3 the database is unreachable "
                        + "or has no signal table (the lane never captured it)."})
public final class CdcSnapshotCommand implements Callable<Integer> {

    static final int REQUESTED = 0;
    static final int USAGE = 2;
    static final int UNREACHABLE = 3;

    @Parameters(index = "0", paramLabel = "<contract>", description = "The contract, e.g. crm.customers or crm.customers.v1.")
    String contractName;

    @Option(names = "--where", paramLabel = "<condition>", description = "A SQL condition on the table's columns, e.g. \"state = 'VIC'\".")
    String where;

    @Option(names = "--config", paramLabel = "<file>", description = "Properties file of the ingest service's settings.")
    Path config;

    @Option(names = "--database", paramLabel = "<database>", description = "Capture's database, when the lane captures another than the contract names.")
    String database;

    @Option(names = "--dir", paramLabel = "<dir>", description = "The contracts tree (default: schemas/ of this checkout, else the packaged contracts).")
    Path contractsDir;

    @Override
    public Integer call() {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ContractCatalog catalog = catalog();
        Contract contract = find(catalog, contractName).orElse(null);
        if (contract == null) {
            err.println("spine cdc snapshot: no contract '" + contractName + "'");
            return USAGE;
        }
        if (contract.lane() != Lane.CDC) {
            err.println("spine cdc snapshot: " + contract.qualifiedName() + " is not a CDC contract (lane " + contract.lane() + ")");
            return USAGE;
        }
        SpineConfig settings;
        try {
            settings = Services.find("ingest").orElseThrow().definition().load(config, System.getenv());
        } catch (ConfigException e) {
            err.println("spine cdc snapshot: " + e.getMessage());
            return USAGE;
        }
        CdcConfig cdc = CdcSettings.toCdcConfig(settings);
        if (database != null) {
            cdc = cdc.withDatabase(contract.id(), database);
        }
        // The ingest service captures every CDC contract of the catalogue; a MariaDB capture keeps its signal table in
        // one database of all those it reads, so the request is addressed as that capture sees it.
        List<Contract> captured = catalog.contracts().stream().filter(c -> c.lane() == Lane.CDC).toList();
        SnapshotRequest request = SnapshotRequest.of(cdc, captured, contract, Optional.ofNullable(where));
        SourceConnection server = cdc.connection(((SourceBinding.Cdc) contract.source()).connector());
        try {
            String id = request.send(server);
            out.println("snapshot requested for " + contract.qualifiedName() + ": " + request.tables().get(0) + " in "
                    + request.source() + (request.where().map(w -> " where " + w).orElse("")) + " (signal " + id + ")");
            return REQUESTED;
        } catch (SQLException e) {
            err.println("spine cdc snapshot: cannot write the signal into " + request.source() + " at " + server.host() + ":" + server.port()
                    + " as " + server.user() + " (" + e.getMessage() + "); the lane creates its signal table when it first captures the database");
            return UNREACHABLE;
        }
    }

    private ContractCatalog catalog() {
        if (contractsDir != null) {
            return ContractCatalog.load(contractsDir);
        }
        Path checkout = SpineHome.orDefault(null, "schemas");
        return Files.isDirectory(checkout) ? ContractCatalog.load(checkout) : ContractCatalog.fromClasspath();
    }

    private static Optional<Contract> find(ContractCatalog catalog, String name) {
        int v = name.lastIndexOf(".v");
        if (v > 0 && name.length() > v + 2 && name.substring(v + 2).chars().allMatch(Character::isDigit)) {
            return catalog.find(name.substring(0, v), Integer.parseInt(name.substring(v + 2)));
        }
        return catalog.latest(name);
    }
}
