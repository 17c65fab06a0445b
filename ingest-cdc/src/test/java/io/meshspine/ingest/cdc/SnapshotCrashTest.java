package io.meshspine.ingest.cdc;

import io.meshspine.core.contract.CdcConnector;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.topic.Topics;
import io.meshspine.ingest.cdc.internal.ConnectorProperties;
import io.meshspine.testkit.ChildJvm;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import io.meshspine.testkit.TopicReader;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Finding 1 of the chaos run (docs/reliability.md): the CDC lane killed (SIGKILL) during or just after its initial
 * snapshot, rows the snapshot had read then updated and deleted while it was down, then started again: those changes
 * must reach the raw topic, and so must changes made after the restart (streaming goes on).
 *
 * <p>One child JVM and one kill per connector, several cases per kill (each a table of its own), the two connectors
 * side by side:
 * <ul>
 *   <li>MariaDB: one engine over two tables, killed while it reads the second (past its first batch, a stored offset
 *       marking the snapshot running), the first read completely: both are snapshotted again at the stored position.
 *       A row updated and a row inserted while down come once each, as the resumed snapshot's reads of their new state,
 *       never again as streamed changes (ResumedSnapshotCover).</li>
 *   <li>PostgreSQL: one lane killed after its <em>completed</em> snapshot while another table of its database is busy
 *       (the stall: no catch-up may run then), another lane, in another database, killed mid-snapshot (its catch-up
 *       streaming from the stored LSN before the new snapshot). Also: a row changed and a row inserted while down come
 *       once each, as their streamed changes, never again as reads of the resumed snapshot, which the gate would take
 *       for other changes (two positions) and dead-letter twice if the contract refuses the row.</li>
 * </ul>
 */
@ExtendWith(SpineExtension.class)
class SnapshotCrashTest {

    /**
     * Seeded into a table that is killed mid-snapshot: many times the engine's first batch (2,048 rows), so that on a
     * quiet machine the snapshot still runs for seconds after its first stored offset (5,000 rows were read whole within
     * the first 500 ms flush interval in a quiet CI run, and the kill came after the snapshot).
     */
    private static final int SEEDED = 20_000;
    /**
     * Past the first batch, and the kill also waits for a stored offset marking the snapshot running. Smaller tables
     * (with smaller batches) were tried: on a quiet machine their snapshot can end before the first offset is stored.
     */
    private static final int KILL_AT = 2_500;

    /** The lane's settings, the same in the child and in the restarted lane: offsets stored every 100 ms. */
    static CdcConfig config(String bootstrap, String registry, String database, Duration heartbeat, List<Contract> contracts) {
        CdcConfig config = CdcConfig.defaults(bootstrap, registry).withOffsetFlushInterval(Duration.ofMillis(100))
                .withHeartbeatInterval(heartbeat);
        for (Contract c : contracts) {
            config = config.withDatabase(c.id(), database);
        }
        return config;
    }

    /**
     * Both connectors' cases at once, each with its own child JVM, databases and topics: most of each is waiting (JVM
     * and engine starts, stored offsets, the shipped heartbeat), so side by side they take little more than the longer.
     */
    @Test
    void killedDuringAndAfterSnapshots_changesOfReadRowsAndLaterChangesArrive_onceEach(SpineTestKit kit, @TempDir Path scratch)
            throws Throwable {
        java.util.concurrent.ExecutorService cases = Executors.newFixedThreadPool(2);
        try {
            var mariadb = cases.submit(() -> {
                mariadb(kit, java.nio.file.Files.createDirectories(scratch.resolve("mariadb")));
                return null;
            });
            var postgres = cases.submit(() -> {
                postgres(kit, java.nio.file.Files.createDirectories(scratch.resolve("postgres")));
                return null;
            });
            Throwable failure = null;
            for (var c : List.of(mariadb, postgres)) {
                try {
                    c.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    if (failure == null) {
                        failure = e.getCause();
                    } else {
                        failure.addSuppressed(e.getCause());
                    }
                }
            }
            if (failure != null) {
                throw failure;
            }
        } finally {
            cases.shutdownNow();
        }
    }

    /** MariaDB: one engine over two tables, killed while it reads the second, the first read completely. */
    private static void mariadb(SpineTestKit kit, Path scratch) throws Exception {
        // Listed first, so read first: completely on the raw topic at the kill ("just after its snapshot").
        Contract read = CdcContracts.services(kit, "read_services");
        Contract reading = CdcContracts.services(kit, "reading_services");
        try (MariaDbTestDatabase db = new MariaDbTestDatabase()) {
            String seed = "INSERT INTO " + db.name() + ".%s (service_id, account_id, service_code, status, start_dt) "
                    + "SELECT seq, 1, 'CARD', 'ACTIVE', '2024-01-01' FROM " + db.name() + ".seq_1_to_%d";
            db.createServices("read_services");
            db.createServices("reading_services");
            db.execute(String.format(seed, "read_services", 5), String.format(seed, "reading_services", SEEDED));
            Duration heartbeat = Duration.ofSeconds(1);
            CdcConfig config = config(kit.bootstrapServers(), kit.registryUrl(), db.name(), heartbeat, List.of(read, reading));
            // Row 2, updated while down, comes as the resumed snapshot's read of its new state (its streamed update is
            // passed over: ResumedSnapshotCover); row 1's delete is streamed.
            Table first = new Table(kit, read, "d:1", "r:2", "status", "CLOSED");
            Table second = new Table(kit, reading, "d:1", "r:2", "status", "CLOSED");
            try (first; second; Offsets offsets = new Offsets(kit)) {
                try (Child child = new Child(kit, scratch, CdcLanesChild.spec(CdcConnector.MARIADB, db.name(), heartbeat, List.of(read, reading)))) {
                    child.start(0);
                    await("the first table read, the second mid-read, the snapshot's offset stored").atMost(Duration.ofSeconds(180))
                            .pollInterval(Duration.ofMillis(10)).until(() -> first.count() >= 5 && second.count() >= KILL_AT
                                    && offsets.stored(db.name(), o -> o.contains("\"snapshot\"")));
                    child.kill();
                }
                first.killed();
                second.killed();
                System.out.printf("mariadb snapshot crash: killed at %d + %d; stored offsets: %s%n", first.atKill, second.atKill,
                        storedOffsets(kit, db.name()));
                assertThat(second.atKill).as("killed mid-snapshot").isLessThan(SEEDED);

                for (String table : List.of("read_services", "reading_services")) {
                    db.execute("DELETE FROM " + db.name() + "." + table + " WHERE service_id = 1",
                            "UPDATE " + db.name() + "." + table + " SET status = 'CLOSED' WHERE service_id = 2",
                            "INSERT INTO " + db.name() + "." + table + " (service_id, account_id, service_code, status, start_dt) "
                                    + "VALUES (70001, 1, 'CARD', 'ACTIVE', '2024-01-01')");
                }
                try (CdcLane restarted = CdcLane.start(config, List.of(read, reading), new SimpleMeterRegistry())) {
                    awaitChangesMadeWhileDown(first, second);
                    insertAfterRestart(i -> {
                        for (String table : List.of("read_services", "reading_services")) {
                            db.execute("INSERT INTO " + db.name() + "." + table + " (service_id, account_id, service_code, status, start_dt) "
                                    + "VALUES (90000" + i + ", 1, 'CARD', 'ACTIVE', '2024-01-01')");
                        }
                    }, "c:90000", first, second);
                } finally {
                    report(kit, db.name(), first, second);
                }
                for (Table t : List.of(first, second)) {
                    for (String id : List.of("2", "70001")) {
                        assertThat(t.after.stream().filter(c -> c.id().equals(id)).map(ChangeRecords.Change::brief).toList())
                                .as("%s of %s, changed while down, comes once after the restart: as the resumed snapshot read it, "
                                        + "not streamed again (two positions, two identities for the gate)", id, t.contract.rawTopic())
                                .containsExactly("r:" + id);
                    }
                }
            }
        }
    }

    /**
     * PostgreSQL: one lane killed after its completed snapshot while another table of its database is busy, another
     * (second database) mid-snapshot, by one kill; rows changed while down come once each after the restart.
     */
    private static void postgres(SpineTestKit kit, Path scratch) throws Exception {
        Contract quiet = CdcContracts.customers(kit, "customers");
        Contract resumed = CdcContracts.customers(kit, "customers");
        try (PostgresTestDatabase done = new PostgresTestDatabase(); PostgresTestDatabase mid = new PostgresTestDatabase()) {
            // The shipped heartbeat on the lane whose slot hears nothing of the busy table (the stall's conditions).
            Duration shipped = CdcSettings.HEARTBEAT_INTERVAL.defaultValue().orElseThrow();
            CdcConfig doneConfig = config(kit.bootstrapServers(), kit.registryUrl(), done.name(), shipped, List.of(quiet));
            CdcConfig midConfig = config(kit.bootstrapServers(), kit.registryUrl(), mid.name(), Duration.ofSeconds(1), List.of(resumed));
            done.dropsSlot(ConnectorProperties.slotName(doneConfig, quiet));
            mid.dropsSlot(ConnectorProperties.slotName(midConfig, resumed));
            String seed = "INSERT INTO public.customers (customer_id, first_name, last_name) SELECT 'S' || i, 'Seed', 'Row' "
                    + "FROM generate_series(1, %d) i";
            done.execute(String.format(seed, 5), "CREATE TABLE public.busy (id bigserial PRIMARY KEY, note text)");
            mid.execute(String.format(seed, SEEDED));
            Table afterSnapshot = new Table(kit, quiet, "d:S1", "u:S2", "segment", "RETAIL");
            Table midSnapshot = new Table(kit, resumed, "d:S1", "u:S2", "segment", "RETAIL");
            ScheduledExecutorService traffic = Executors.newSingleThreadScheduledExecutor();
            try (afterSnapshot; midSnapshot; Offsets offsets = new Offsets(kit)) {
                traffic.scheduleAtFixedRate(() -> done.execute("INSERT INTO public.busy (note) VALUES ('traffic')"), 0, 20, TimeUnit.MILLISECONDS);
                try (Child child = new Child(kit, scratch, CdcLanesChild.spec(CdcConnector.POSTGRES, done.name(), shipped, List.of(quiet)),
                        CdcLanesChild.spec(CdcConnector.POSTGRES, mid.name(), Duration.ofSeconds(1), List.of(resumed)))) {
                    child.start(0);
                    // Its completed snapshot's offset: the one after its last read (a heartbeat's, within the shipped interval).
                    await("the first lane's completed snapshot stored").atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(20))
                            .until(() -> afterSnapshot.count() >= 5 && offsets.stored(done.name(), o -> !o.contains("\"snapshot\"")));
                    child.start(1);
                    await("the second lane mid-snapshot, its offset stored").atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(10))
                            .until(() -> midSnapshot.count() >= KILL_AT && offsets.stored(mid.name(), o -> o.contains("\"snapshot\"")));
                    child.kill();
                }
                afterSnapshot.killed();
                midSnapshot.killed();
                assertThat(midSnapshot.atKill).as("killed mid-snapshot").isLessThan(SEEDED);

                String[] deleteAndUpdate = {"DELETE FROM public.customers WHERE customer_id = 'S1'",
                        "UPDATE public.customers SET segment = 'RETAIL' WHERE customer_id = 'S2'"};
                done.execute(deleteAndUpdate);
                mid.execute(deleteAndUpdate);
                // A row new while down: its insert, streamed by the catch-up, and a read of it by the resumed snapshot
                // would be two identities for the gate.
                mid.execute("INSERT INTO public.customers (customer_id, first_name, last_name) VALUES ('W1', 'While', 'Down')");
                try (CdcLane doneLane = CdcLane.start(doneConfig, List.of(quiet), new SimpleMeterRegistry());
                     CdcLane midLane = CdcLane.start(midConfig, List.of(resumed), new SimpleMeterRegistry())) {
                    awaitChangesMadeWhileDown(afterSnapshot, midSnapshot);
                    // Two inserts, one after the other: the first may still be caught by a catch-up phase; the second
                    // proves that streaming goes on after it (the stall: the streaming phase ended at once, the engine up).
                    insertAfterRestart(i -> {
                        String insert = "INSERT INTO public.customers (customer_id, first_name, last_name) VALUES ('N" + i + "', 'New', 'Row')";
                        done.execute(insert);
                        mid.execute(insert);
                    }, "c:N", afterSnapshot, midSnapshot);
                } finally {
                    report(kit, mid.name(), afterSnapshot, midSnapshot);
                }
                // The resumed snapshot's reads came before the inserts after the restart (one partition): all are in.
                assertThat(midSnapshot.after.stream().filter(c -> c.op().equals("r")).count())
                        .as("the resumed snapshot re-read the table").isGreaterThanOrEqualTo(SEEDED - 2);
                for (String id : List.of("S2", "W1")) {
                    assertThat(midSnapshot.after.stream().filter(c -> c.id().equals(id)).map(ChangeRecords.Change::brief).toList())
                            .as("%s, changed while down, comes once after the restart: as the catch-up streamed it, not read again", id)
                            .containsExactly((id.equals("W1") ? "c:" : "u:") + id);
                }
            } finally {
                traffic.shutdownNow();
            }
        }
    }

    private static void awaitChangesMadeWhileDown(Table... tables) {
        await("the deletes and updates of snapshotted rows after the restart").atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(50)).until(() -> {
                    boolean all = true;
                    for (Table t : tables) {
                        all &= t.sawChangesMadeWhileDown();
                    }
                    return all;
                });
    }

    private static void insertAfterRestart(java.util.function.IntConsumer insert, String inserted, Table... tables) {
        for (int i = 1; i <= 2; i++) {
            String brief = inserted + i;
            insert.accept(i);
            await("a change made after the restart: " + brief).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                    .until(() -> {
                        boolean all = true;
                        for (Table t : tables) {
                            all &= t.saw(c -> c.brief().equals(brief));
                        }
                        return all;
                    });
        }
    }

    private static void report(SpineTestKit kit, String database, Table... tables) {
        for (Table t : tables) {
            System.out.printf("snapshot crash %s: %d on the raw topic at the kill, %d after the restart, of the two rows: %s%n",
                    t.contract.rawTopic(), t.atKill, t.after.size(), t.after.stream()
                            .filter(c -> t.deleted.endsWith(":" + c.id()) || t.updated.endsWith(":" + c.id()))
                            .map(c -> c.brief() + "@" + c.position()).toList());
        }
        System.out.printf("snapshot crash: stored offsets of %s: %s%n", database, storedOffsets(kit, database));
    }

    /** One captured table's raw topic: counted up to the kill, decoded after it. */
    private static final class Table implements AutoCloseable {
        final Contract contract;
        final String deleted;
        final String updated;
        final String field;
        final String value;
        private final TopicReader raw;
        private final ChangeRecords changes;
        final List<ChangeRecords.Change> after = new ArrayList<>();
        int atKill = -1;

        Table(SpineTestKit kit, Contract contract, String deleted, String updated, String field, String value) {
            this.contract = contract;
            this.deleted = deleted;
            this.updated = updated;
            this.field = field;
            this.value = value;
            this.raw = new TopicReader(kit, contract.rawTopic());
            this.changes = new ChangeRecords(kit, contract);
        }

        int count() {
            return raw.poll().size();
        }

        void killed() {
            atKill = raw.drain().size();
        }

        /** Decodes what came since the last call (each record once: decoding every re-read row on each poll costs). */
        synchronized boolean saw(Predicate<ChangeRecords.Change> wanted) {
            List<ConsumerRecord<byte[], byte[]>> all = raw.poll();
            all.subList(atKill + after.size(), all.size()).forEach(r -> after.add(changes.decode(r)));
            return after.stream().anyMatch(wanted);
        }

        boolean sawChangesMadeWhileDown() {
            return saw(c -> c.brief().equals(deleted))
                    && after.stream().anyMatch(c -> c.brief().equals(updated) && value.equals(String.valueOf(c.after(field))));
        }

        @Override
        public void close() {
            raw.close();
        }
    }

    /**
     * The engines' stored offsets, read as they come by one consumer (a consumer per check would be slower than a
     * small table's snapshot). Opened at the first check: the first engine creates the offsets topic.
     */
    private static final class Offsets implements AutoCloseable {
        private final SpineTestKit kit;
        private TopicReader reader;

        Offsets(SpineTestKit kit) {
            this.kit = kit;
        }

        boolean stored(String database, Predicate<String> wanted) {
            if (reader == null) {
                if (kit.admin().listTopics().names().toCompletionStage().toCompletableFuture().join().contains(Topics.CDC_OFFSETS)) {
                    reader = new TopicReader(kit, Topics.CDC_OFFSETS);
                } else {
                    return false;
                }
            }
            return reader.poll().stream().map(SnapshotCrashTest::text).filter(s -> s.contains(database)).anyMatch(wanted);
        }

        @Override
        public void close() {
            if (reader != null) {
                reader.close();
            }
        }
    }

    /** The child JVM of {@link CdcLanesChild}: lanes started one by one on request, all killed at once. */
    private static final class Child implements AutoCloseable {
        private final Process process;
        private final Writer control;

        Child(SpineTestKit kit, Path scratch, String... specs) throws IOException {
            List<String> args = new ArrayList<>(List.of(kit.bootstrapServers(), kit.registryUrl()));
            args.addAll(List.of(specs));
            process = new ProcessBuilder(ChildJvm.command(scratch.resolve("jvm-tmp"), List.of("-Xmx384m"), CdcLanesChild.class.getName(),
                    args.toArray(String[]::new)))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(scratch.resolve("child.log").toFile()))
                    .start();
            control = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        }

        void start(int lane) throws IOException {
            control.write("start " + lane + "\n");
            control.flush();
        }

        void kill() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor();
        }

        @Override
        public void close() throws InterruptedException {
            kill();
        }
    }

    /** The engines' offsets as Connect stored them (key and value JSON), for the kill points and a failing run's evidence. */
    private static List<String> storedOffsets(SpineTestKit kit, String database) {
        try (TopicReader offsets = new TopicReader(kit, Topics.CDC_OFFSETS)) {
            return offsets.drain().stream().map(SnapshotCrashTest::text).filter(s -> s.contains(database)).toList();
        }
    }

    private static String text(ConsumerRecord<byte[], byte[]> r) {
        return (r.key() == null ? "null" : new String(r.key(), StandardCharsets.UTF_8)) + " -> "
                + (r.value() == null ? "null" : new String(r.value(), StandardCharsets.UTF_8));
    }
}
