package io.meshspine.cli.chaos;

import io.meshspine.cli.SpineHome;
import io.meshspine.cli.internal.DurationConverter;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.registry.ApicurioClient;
import io.meshspine.core.registry.ContractRegistrar;
import io.meshspine.core.topic.TopicCatalogue;
import io.meshspine.core.topic.TopicProvisioner;
import io.meshspine.gate.internal.PiiMasker;
import io.meshspine.sink.LakeTables;
import io.meshspine.testkit.ApicurioRegistryServer;
import io.meshspine.testkit.EmbeddedKafkaBroker;
import io.meshspine.testkit.FreePorts;
import io.meshspine.testkit.TcpProxy;
import io.meshspine.testkit.internal.TempDirs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code ./spine chaos}: the spine as an operator runs it, while it is being broken. An embedded broker and registry;
 * gate, sink, ingest and dlq-api each in its own JVM through {@code spine run <service> --config <file>} with config
 * files written from {@code ops/config/}; every lane fed with a known set of records (a share bad in every way);
 * services killed with SIGKILL and restarted, the broker stopped and restarted on its data, the registry cut off. Then
 * per product: expected rows, Silver rows (Delta Kernel), lost, duplicated, dead letters by failure type against the
 * bad records sent, Silver against the CDC tables' end state, and each fault's recovery time. Exit 1 on any loss,
 * duplicate or unrecovered fault.
 */
@Command(name = "chaos", mixinStandardHelpOptions = true,
        description = {"Run the spine as separate processes while killing them, stopping the broker and cutting the registry; "
                + "then check every product in Silver against what was sent and print the figures.",
                "Needs the machine's PostgreSQL (wal_level=logical) and MariaDB (ROW binlog) at 127.0.0.1 (bash .ci/run --prepare-only).",
                "Exit codes: 0 nothing lost or duplicated and every fault recovered, 1 otherwise, 2 could not run."})
public final class ChaosCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(ChaosCommand.class);
    private static final List<String> SERVICES = List.of("gate", "sink", "ingest", "dlq-api");
    private static final Duration START_PATIENCE = Duration.ofMinutes(3);

    @Option(names = "--records", description = "Events sent through the event lane (default: 3000; --short: 600). "
            + "The file and CDC lanes get a share in proportion.")
    Integer records;

    @Option(names = "--kills", description = "Services killed with SIGKILL, one at a time, each restarted at once (default: 20; --short: 5).")
    Integer kills;

    @Option(names = "--kill-every", converter = DurationConverter.class, paramLabel = "<duration>",
            description = "Time from one kill to the next (default: 15s; --short: 10s).")
    Duration killEvery;

    @Option(names = "--broker-outage", converter = DurationConverter.class, paramLabel = "<duration>",
            description = "How long the broker is stopped, once, before it restarts on the same data; 0s: no outage (default: 30s; --short: 20s).")
    Duration brokerOutage;

    @Option(names = "--registry-outage", converter = DurationConverter.class, paramLabel = "<duration>",
            description = "How long the services' connections to the registry are cut, once; 0s: no cut (default: 30s; --short: 20s).")
    Duration registryOutage;

    @Option(names = "--seed", defaultValue = "18", description = "Seed of the kill order and the CDC changes (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--short", description = "The CI run (about 3 minutes): 600 events, 5 kills every 10 s, a 20 s broker outage, a 20 s registry cut.")
    boolean shortRun;

    @Option(names = "--keep", description = "Keep the run's directory (config files, service logs, lake) even when the run passes.")
    boolean keep;

    @Option(names = "--postgres", defaultValue = "127.0.0.1:5432", paramLabel = "<host:port>", description = "PostgreSQL with logical decoding (user postgres).")
    String postgres;

    @Option(names = "--mariadb", defaultValue = "127.0.0.1:3306", paramLabel = "<host:port>", description = "MariaDB with a ROW binlog (user root).")
    String mariadb;

    private ChaosPlan plan() {
        return new ChaosPlan(
                records != null ? records : shortRun ? 600 : 3000,
                kills != null ? kills : shortRun ? 5 : 20,
                killEvery != null ? killEvery : Duration.ofSeconds(shortRun ? 10 : 15),
                brokerOutage != null ? brokerOutage : Duration.ofSeconds(shortRun ? 20 : 30),
                registryOutage != null ? registryOutage : Duration.ofSeconds(shortRun ? 20 : 30),
                seed,
                // CI's run gives up sooner on a fault that is not recovered and on products that do not catch up: a
                // failing CI run should not cost ten minutes of waiting. A quiet machine recovers from any fault in < 1 min.
                Duration.ofMinutes(shortRun ? 2 : 5),
                Duration.ofMinutes(shortRun ? 2 : 5));
    }

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        ChaosPlan plan = plan();
        String run = Long.toString(System.currentTimeMillis() / 1000 % 1_000_000_000L, 36);
        Path work = TempDirs.create("meshspine-chaos-" + run + "-");
        Path home = SpineHome.orDefault(null, ".");
        out.printf("meshspine chaos %s: %s%n  work dir  %s%n", run, plan.describe(), work);
        long started = System.nanoTime();
        ChaosLog.toFile(work.resolve("chaos.log"));
        Thread onSignal = new Thread(this::cleanUp, "chaos-cleanup");
        Runtime.getRuntime().addShutdownHook(onSignal);
        this.work = work;
        try {
            // Everything that does not depend on something else starts at once: the registry (the slowest), the run's
            // databases (created and seeded before ingest snapshots them) and the broker; then topics and schemas together.
            CompletableFuture<ApicurioRegistryServer> registryStart = CompletableFuture.supplyAsync(
                    () -> ApicurioRegistryServer.start(ApicurioRegistryServer.distributionHome()));
            Ledger ledger = new Ledger();
            String[] pg = postgres.split(":");
            String[] maria = mariadb.split(":");
            tablesStart = CompletableFuture.supplyAsync(() -> {
                CdcTables t = CdcTables.create(pg[0], Integer.parseInt(pg[1]), maria[0], Integer.parseInt(maria[1]), run, ledger, plan.seed());
                t.seed(5);
                return t;
            });
            EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
            this.broker = broker;
            CdcTables tables = join(tablesStart);
            this.tables = tables;
            ApicurioRegistryServer registry = join(registryStart);
            this.registry = registry;
            URI registryBase = URI.create(registry.baseUrl());
            TcpProxy registryProxy = new TcpProxy(registryBase.getHost(), registryBase.getPort());
            this.registryProxy = registryProxy;
            String bootstrap = broker.bootstrapServers();
            String directRegistry = registry.registryUrl();
            String servicesRegistry = "http://127.0.0.1:" + registryProxy.port() + "/apis/registry/v3";
            out.printf("  kafka     %s%n  registry  %s (services reach it through a cuttable proxy at 127.0.0.1:%d)%n",
                    broker.describe(), registry.describe(), registryProxy.port());

            Path contractsDir = ChaosContracts.copy(home.resolve("schemas"), work.resolve("contracts"),
                    Map.of(CdcTables.CUSTOMERS, tables.postgresDatabase(), CdcTables.SERVICES, tables.mariaDbDatabase()));
            ContractCatalog contracts = ContractCatalog.load(contractsDir);
            CompletableFuture<Void> registering = CompletableFuture.runAsync(
                    () -> new ContractRegistrar(new ApicurioClient(directRegistry)).register(contracts.contracts()));
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                new TopicProvisioner(admin, (short) 1).provision(TopicCatalogue.of(contracts.contracts()).topics());
            }
            join(registering);
            out.printf("  sources   PostgreSQL %s.public.customers, MariaDB %s.services, landing %s (ready in %.1f s)%n",
                    tables.postgresDatabase(), tables.mariaDbDatabase(), work.resolve("landing"), seconds(started));

            Path lake = work.resolve("lake");
            Map<String, String> env = new HashMap<>();
            String hashKey = "chaos-run-hash-key-" + run + "-not-a-secret";
            env.put("SPINE_GATE_HASH_KEY", hashKey);
            for (String service : SERVICES) {
                services.add(service(home, work, service, bootstrap, servicesRegistry, contractsDir, lake, run, env, postgres, mariadb));
            }
            services.forEach(ServiceProcess::start);
            awaitReady(services, START_PATIENCE);
            out.printf("  services  %s: each `spine run <service> --config <file>` in its own JVM, ready in %.1f s%n",
                    String.join(", ", SERVICES), seconds(started));

            AtomicBoolean faultsDone = new AtomicBoolean();
            AtomicBoolean abort = new AtomicBoolean();
            ExecutorService feeds = Executors.newFixedThreadPool(3, r -> {
                Thread t = new Thread(r, "chaos-feed");
                t.setDaemon(true);
                return t;
            });
            Duration span = plan.faultWindow();
            Contract payments = contracts.latest("payments.transactions").orElseThrow();
            Contract loans = contracts.latest("lending.loan_applications").orElseThrow();
            EventFeed events = new EventFeed(payments, bootstrap, directRegistry, ledger);
            FileFeed files = new FileFeed(loans, work.resolve("landing"), ledger, run);
            CdcTables cdc = tables;
            List<Future<?>> feeding = new ArrayList<>();
            feeding.add(feeds.submit(() -> events.run(plan.records(), span, 10, abort::get)));
            int fileCount = Math.max(3, plan.records() / 100);
            feeding.add(feeds.submit(() -> everyUntil(span.dividedBy(fileCount), fileCount, faultsDone, abort, () -> files.drop(25))));
            feeding.add(feeds.submit(() -> everyUntil(Duration.ofMillis(500), Integer.MAX_VALUE, faultsDone, abort, () -> cdc.changeBoth(12))));

            List<Recovery> recoveries;
            try (FlowProbe flow = new FlowProbe(bootstrap, contracts.contracts(), lake)) {
                recoveries = new FaultSchedule(plan, services, broker, registryProxy, flow, plan.recoveryPatience(), out).run();
            } finally {
                faultsDone.set(true);
            }
            for (Future<?> f : feeding) {
                f.get(5, TimeUnit.MINUTES);
            }
            feeds.shutdown();
            out.printf("  fed       %d good + %d bad payments events (%d good ones sent twice), %d loan files, %d CDC changes to each table%n",
                    ledger.goodKeys(payments.id()).size(), ledger.badSent(payments.id()).values().stream().mapToLong(Long::longValue).sum(),
                    ledger.redelivered(payments.id()), files.files(), tables.changes());

            List<ProductCheck> checks = awaitCaughtUp(ledger, tables, contracts, lake, bootstrap, directRegistry,
                    hashKey.getBytes(java.nio.charset.StandardCharsets.UTF_8), plan.drainPatience(), out);
            List<String> gaveUp = services.stream().filter(s -> !s.alive()).map(s -> s.service() + " exited " + s.exitCode()).toList();
            passed = ChaosReport.print(out, plan, checks, recoveries, services, gaveUp, seconds(started));
            return passed ? 0 : 1;
        } catch (IllegalStateException e) {
            out.flush();
            System.err.println("spine chaos: " + e.getMessage());
            log.error("chaos run failed", e);
            return 2;
        } finally {
            cleanUp();
            Runtime.getRuntime().removeShutdownHook(onSignal);
        }
    }

    // What a run started, stopped by cleanUp() at its end or on SIGTERM/Ctrl-C (a shutdown hook): the service JVMs, the
    // registry, the broker, the run's databases and replication slots, and the run's directory when it passed.
    private final List<ServiceProcess> services = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile CdcTables tables;
    private volatile CompletableFuture<CdcTables> tablesStart;
    private volatile EmbeddedKafkaBroker broker;
    private volatile ApicurioRegistryServer registry;
    private volatile TcpProxy registryProxy;
    private volatile Path work;
    private volatile boolean passed;
    private boolean cleanedUp;

    private synchronized void cleanUp() {
        if (cleanedUp) {
            return;
        }
        cleanedUp = true;
        services.forEach(ServiceProcess::close);
        if (registryProxy != null) {
            registryProxy.close();
        }
        if (registry != null) {
            registry.close();
        }
        if (broker != null) {
            broker.close();
        }
        if (tables == null && tablesStart != null) {
            // The start failed before the databases' creation was awaited: wait for it, so they are dropped too.
            try {
                tables = tablesStart.join();
            } catch (RuntimeException e) {
                log.debug("the run's databases were not created", e);
            }
        }
        if (tables != null) {
            tables.close();
        }
        if (work != null) {
            if (passed && !keep) {
                TempDirs.deleteQuietly(work);
            } else {
                System.out.printf("  kept      %s (config files, service logs, chaos.log, lake)%n", work);
                System.out.flush();
            }
        }
    }

    private static ServiceProcess service(Path home, Path work, String service, String bootstrap, String registryUrl, Path contracts,
                                          Path lake, String run, Map<String, String> env, String postgres, String mariadb) {
        int opsPort = FreePorts.next();
        Map<String, String> keys = runKeys(service, bootstrap, registryUrl, contracts, work, lake, run, opsPort, FreePorts.next(), postgres, mariadb);
        Path config = ServiceConfigs.write(home.resolve("ops/config/" + service + ".properties"), work.resolve("config/" + service + ".properties"), keys);
        return new ServiceProcess(service, config, opsPort, work, env,
                List.of("-Xms64m", "-Xmx448m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
    }

    /** The keys a run sets in a service's config file, over the shipped template's values. */
    static Map<String, String> runKeys(String service, String bootstrap, String registryUrl, Path contracts, Path work, Path lake,
                                       String run, int opsPort, int httpPort, String postgres, String mariadb) {
        Map<String, String> keys = new LinkedHashMap<>();
        keys.put("kafka.bootstrap.servers", bootstrap);
        keys.put("registry.url", registryUrl);
        keys.put("ops.port", Integer.toString(opsPort));
        keys.put("ops.host", "127.0.0.1");
        keys.put("contracts.dir", contracts.toString());
        switch (service) {
            case "gate" -> {
                keys.put("gate.state-dir", work.resolve("gate-state").toString());
                // Static membership, as an operator runs the gate under a supervisor that restarts it: the restarted
                // instance takes its partitions back at once instead of waiting out the killed one's session (45 s).
                keys.put("gate.instance-id", "chaos-gate-" + run);
            }
            case "sink" -> {
                keys.put("sink.lake", lake.toString());
                // Small batches, so Silver grows while faults hit it (the shipped default waits up to 30 s).
                keys.put("sink.batch.max-latency", "2s");
                // Static membership, as for the gate: a restarted sink is assigned its partitions at once.
                keys.put("sink.instance-id", "chaos-sink-" + run);
            }
            case "ingest" -> {
                keys.put("cdc.postgres.host", postgres.substring(0, postgres.lastIndexOf(':')));
                keys.put("cdc.postgres.port", postgres.substring(postgres.lastIndexOf(':') + 1));
                keys.put("cdc.mariadb.host", mariadb.substring(0, mariadb.lastIndexOf(':')));
                keys.put("cdc.mariadb.port", mariadb.substring(mariadb.lastIndexOf(':') + 1));
                keys.put("file.landing", work.resolve("landing").toString());
                // Slots and offsets of this run only (other runs and the demo use their own).
                keys.put("cdc.name", "chaos-" + run);
            }
            case "dlq-api" -> {
                keys.put("dlq.http.host", "127.0.0.1");
                keys.put("dlq.http.port", Integer.toString(httpPort));
            }
            default -> throw new IllegalArgumentException("no service " + service);
        }
        return keys;
    }

    private static void awaitReady(List<ServiceProcess> services, Duration patience) {
        long deadline = System.nanoTime() + patience.toNanos();
        for (ServiceProcess s : services) {
            while (!s.ready()) {
                if (!s.alive()) {
                    throw new IllegalStateException("`spine run " + s.service() + "` exited " + s.exitCode() + " at start; see " + s.logFile());
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("`spine run " + s.service() + "` not ready after " + patience.toSeconds() + " s: "
                            + s.healthDetail() + "; see " + s.logFile());
                }
                pause(Duration.ofMillis(250));
            }
        }
    }

    /** Runs {@code action} every {@code every}, at most {@code times}, until the faults are over. */
    private static void everyUntil(Duration every, int times, AtomicBoolean done, AtomicBoolean abort, Runnable action) {
        long next = System.nanoTime();
        for (int i = 0; i < times && !done.get() && !abort.get(); i++) {
            action.run();
            next += every.toNanos();
            long wait = next - System.nanoTime();
            if (wait > 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(wait);
            }
        }
    }

    /** Checks until every product holds what it must (or the patience runs out), then returns the last checks. */
    private static List<ProductCheck> awaitCaughtUp(Ledger ledger, CdcTables tables, ContractCatalog contracts, Path lake, String bootstrap,
                                                    String registryUrl, byte[] hashKey, Duration patience, PrintStream out) {
        long start = System.nanoTime();
        long deadline = start + patience.toNanos();
        List<ProductCheck> checks;
        long nextLine = start;
        while (true) {
            checks = check(ledger, tables, contracts, lake, bootstrap, registryUrl, hashKey);
            if (checks.stream().allMatch(ProductCheck::caughtUp) || System.nanoTime() > deadline) {
                break;
            }
            if (System.nanoTime() >= nextLine) {
                out.printf("  draining  %.0f s: %s%n", seconds(start), checks.stream().filter(c -> !c.caughtUp())
                        .map(c -> c.contract() + " silver " + c.silverRows() + "/" + c.expected() + " lost " + c.lost() + " extra " + c.unexpected()
                                + " diff " + c.mismatched() + " dead letters " + c.deadLettersText())
                        .collect(java.util.stream.Collectors.joining("; ")));
                out.flush();
                nextLine = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            }
            pause(Duration.ofSeconds(2));
        }
        out.printf("  drained   in %.1f s after the last fault%n", seconds(start));
        return checks;
    }

    static List<ProductCheck> check(Ledger ledger, CdcTables tables, ContractCatalog contracts, Path lake, String bootstrap, String registryUrl,
                                    byte[] hashKey) {
        // The services run on the built-in demo master key (the run's configs set no privacy.master-key).
        DeadLetterTally dead = DeadLetterTally.read(bootstrap, registryUrl, io.meshspine.core.privacy.PrivacyConfig.DEMO, contracts);
        if (dead.unopened() > 0 || dead.undecodable() > 0) {
            System.out.printf("  dlq       %d dead letters undecodable, %d sealed ones not opened (counted by their sealed keys)%n",
                    dead.undecodable(), dead.unopened());
        }
        List<ProductCheck> checks = new ArrayList<>();
        for (Contract c : contracts.contracts()) {
            String table = LakeTables.path(lake.toString(), LakeTables.silverName(c));
            Map<String, String> expected = new java.util.TreeMap<>();
            List<String> columns;
            switch (c.id()) {
                case CdcTables.CUSTOMERS -> {
                    columns = List.of("customer_id", "state", "segment", "postcode");
                    expected.putAll(tables.customersEndState());
                }
                case CdcTables.SERVICES -> {
                    columns = List.of("service_id", "status", "service_code");
                    expected.putAll(tables.servicesEndState());
                }
                default -> {
                    columns = List.of(c.keys().get(0));
                    ledger.goodKeys(c.id()).forEach(k -> expected.put(k, ""));
                }
            }
            java.util.Set<String> candidates = new java.util.HashSet<>(expected.keySet());
            if (c.id().equals(CdcTables.CUSTOMERS)) {
                candidates.addAll(tables.customerIdsUsed());
            }
            checks.add(ProductCheck.of(c.id(), c.lane().name().toLowerCase(java.util.Locale.ROOT), expected,
                    withSourceKeys(c, hashKey, candidates, SilverTable.rows(table, columns)),
                    ledger.badByFailureType(c.id()), dead.of(c.id())));
        }
        return checks;
    }

    /**
     * Silver's rows with their keys as the source wrote them. The gate hashes a key field whose PII masking is
     * {@code hash} (crm.customers' customer_id, so products join on it) with the run's hash key, as {@link PiiMasker}
     * does; each such key is named again from {@code candidates} (every key the run used), so lost, extra and differing
     * rows compare with the source and print as it knows them. A hash of no candidate stays as it is: extra.
     */
    static List<List<String>> withSourceKeys(Contract c, byte[] hashKey, java.util.Collection<String> candidates, List<List<String>> silver) {
        String key = c.keys().get(0);
        boolean hashed = c.piiField(key).map(p -> p.masking() == io.meshspine.core.contract.Masking.HASH).orElse(false);
        if (!hashed) {
            return silver;
        }
        PiiMasker masker = new PiiMasker(c, hashKey);
        Map<String, String> source = new HashMap<>();
        candidates.forEach(k -> source.put(masker.hash(k), k));
        List<List<String>> rows = new ArrayList<>(silver.size());
        for (List<String> row : silver) {
            List<String> named = new ArrayList<>(row);
            named.set(0, source.getOrDefault(row.get(0), row.get(0)));
            rows.add(named);
        }
        return rows;
    }

    /** A start step's result, its failure unwrapped, so the run reports it as it would have been reported in line. */
    private static <T> T join(CompletableFuture<T> step) {
        try {
            return step.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    static double seconds(long sinceNanos) {
        return (System.nanoTime() - sinceNanos) / 1e9;
    }

    static void pause(Duration d) {
        java.util.concurrent.locks.LockSupport.parkNanos(d.toNanos());
    }

    /** The run's shape, with the defaults and --short filled in. */
    record ChaosPlan(int records, int kills, Duration killEvery, Duration brokerOutage, Duration registryOutage, long seed,
                     Duration recoveryPatience, Duration drainPatience) {
        String describe() {
            return String.format("%d events, %d kills every %d s, broker outage %d s, registry cut %d s, seed %d;"
                            + " a fault not recovered within %d min fails the run",
                    records, kills, killEvery.toSeconds(), brokerOutage.toSeconds(), registryOutage.toSeconds(), seed, recoveryPatience.toMinutes());
        }

        /** About how long the faults take: the span the feeds spread their records over. */
        Duration faultWindow() {
            return killEvery.multipliedBy(Math.max(1, kills)).plus(brokerOutage).plus(registryOutage);
        }

        SplittableRandom random() {
            return new SplittableRandom(seed);
        }
    }
}
