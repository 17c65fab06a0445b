package io.meshspine.ingest.cdc.bench;

import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.avro.WireFormat;
import io.meshspine.core.cdc.ChangeEvent;
import io.meshspine.core.contract.CdcConnector;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.SourceBinding;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.registry.ApicurioClient;
import io.meshspine.ingest.cdc.CdcConfig;
import io.meshspine.ingest.cdc.CdcLane;
import io.meshspine.ingest.cdc.internal.ConnectorProperties;
import io.meshspine.testkit.ContractFixtures;
import io.meshspine.testkit.SourceDatabases;
import io.meshspine.testkit.SpineTestKit;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.locks.LockSupport;

/**
 * CDC lane benchmark against the machine's PostgreSQL and the test kit's broker and registry, with {@code tables}
 * tables of the crm.customers shape in one database, each bound to a contract of its own (so one engine, one slot):
 * <ol>
 *   <li>snapshot: {@code rows} existing rows (spread over the tables), lane start to the last row on the raw topics;</li>
 *   <li>streaming: single-row updates committed at a steady combined {@code rate}/s over all tables for {@code seconds},
 *   latency from the source commit time (in the envelope) to the broker's append time (the raw topics use
 *   LogAppendTime).</li>
 * </ol>
 * Arguments: {@code [rows=100000] [rate=1000] [seconds=30] [tables=1]}.
 */
public final class CdcBench {

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int rate = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 30;
        int tables = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        SpineTestKit kit = SpineTestKit.shared();
        Contract sample = ContractCatalog.fromClasspath().latest("crm.customers").orElseThrow();
        String database = SpineTestKit.uniqueName("cdcbench").replace('-', '_').toLowerCase();
        CdcConfig config = CdcConfig.defaults(kit.bootstrapServers(), kit.registryUrl());
        List<Contract> contracts = new ArrayList<>();
        for (int t = 0; t < tables; t++) {
            Contract c = ContractFixtures.inFreshDomain(sample, "cdcbench");
            contracts.add(new Contract(c.id(), c.version(), c.majorVersion(), c.domain(), c.dataProduct(), c.purpose(), c.team(),
                    c.classification(), c.avroSchema(), c.keys(), new SourceBinding.Cdc(CdcConnector.POSTGRES, "crm", Optional.of("public"),
                    table(t)), c.pii(), c.rules(), c.slos(), c.sink(), c.compatibility(), c.location()));
            kit.admin().createTopics(List.of(new NewTopic(c.rawTopic(), 1, (short) 1)
                    .configs(Map.of("message.timestamp.type", "LogAppendTime")))).all().get();
            config = config.withDatabase(c.id(), database);
        }
        Contract contract = contracts.get(0);
        String url = SourceDatabases.POSTGRES_URL.replaceFirst("/[^/]*$", "/" + database);
        try (Connection admin = SourceDatabases.postgres(); Statement s = admin.createStatement()) {
            s.execute("CREATE DATABASE " + database);
        }
        int perTable = rows / tables;
        rows = perTable * tables;
        try (Connection c = DriverManager.getConnection(url, SourceDatabases.POSTGRES_USER, ""); Statement s = c.createStatement()) {
            for (int t = 0; t < tables; t++) {
                s.execute("""
                        CREATE TABLE public.%s (customer_id text PRIMARY KEY, first_name text NOT NULL, last_name text NOT NULL,
                          email text, phone text, date_of_birth date, address_line text, suburb text, state text, postcode text,
                          segment text, created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
                        ALTER TABLE public.%s REPLICA IDENTITY FULL;
                        """.formatted(table(t), table(t)));
                s.execute("INSERT INTO public." + table(t) + " (customer_id, first_name, last_name, email, phone, date_of_birth, state, postcode, segment)"
                        + " SELECT 'C' || g, 'First' || g, 'Last' || g, 'c' || g || '@example.com', '+61400000000', DATE '1980-01-01' + (g % 9000),"
                        + " 'NSW', '2000', 'RETAIL' FROM generate_series(1, " + perTable + ") g");
            }
        }
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(kit.consumerConfig(SpineTestKit.uniqueName("bench")),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> tps = contracts.stream().map(c -> new TopicPartition(c.rawTopic(), 0)).toList();
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            RegistrySchemas schemas = new RegistrySchemas(new ApicurioClient(kit.registryUrl()));

            long start = System.nanoTime();
            try (CdcLane lane = CdcLane.start(config, contracts, new SimpleMeterRegistry())) {
                long seen = 0;
                long first = 0;
                while (seen < rows) {
                    int n = consumer.poll(Duration.ofMillis(200)).count();
                    if (n > 0 && first == 0) {
                        first = System.nanoTime();
                    }
                    seen += n;
                }
                long end = System.nanoTime();
                System.out.printf("tables: %d in one database (%s), one engine: %s%n", tables, database, lane.sources());
                System.out.printf("snapshot: %,d rows in %.2f s from lane start = %,.0f rows/s (first row after %.2f s; %,.0f rows/s from first to last)%n",
                        rows, (end - start) / 1e9, rows / ((end - start) / 1e9), (first - start) / 1e9, rows / ((end - first) / 1e9));

                // Streaming at a steady rate: one committed single-row update per tick.
                int total = rate * seconds;
                // Four connections: one alone cannot commit 1,000 durable transactions a second here (fsync-bound).
                int writers = 4;
                List<Thread> writerThreads = new ArrayList<>();
                for (int w = 0; w < writers; w++) {
                    int seed = w;
                    writerThreads.add(new Thread(() -> update(url, tables, perTable, rate / writers, total / writers, seed), "bench-writer-" + w));
                }
                long writeStart = System.nanoTime();
                writerThreads.forEach(Thread::start);
                List<Long> latencies = new ArrayList<>(total);
                long deadline = System.nanoTime() + Duration.ofSeconds(seconds + 60).toNanos();
                int expected = total / writers * writers;
                while (latencies.size() < expected && System.nanoTime() < deadline) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                        GenericRecord change = decode(schemas, r.value());
                        GenericRecord source = (GenericRecord) change.get(ChangeEvent.SOURCE);
                        latencies.add(r.timestamp() - (Long) source.get(ChangeEvent.SOURCE_COMMIT_TIME));
                    }
                }
                for (Thread t : writerThreads) {
                    t.join();
                }
                double writeSeconds = (System.nanoTime() - writeStart) / 1e9;
                long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
                System.out.printf("streaming over %d tables: %,d changes at %d/s target (%.0f/s achieved incl. drain), commit->append latency ms:"
                                + " p50=%d p90=%d p99=%d max=%d%n", tables, sorted.length, rate, sorted.length / writeSeconds,
                        pct(sorted, 50), pct(sorted, 90), pct(sorted, 99), sorted[sorted.length - 1]);
                System.out.println("states: " + lane.states());
            }
        } finally {
            try (Connection admin = SourceDatabases.postgres(); Statement s = admin.createStatement()) {
                s.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '"
                        + ConnectorProperties.slotName(config, contract) + "'");
                s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
            }
        }
        System.exit(0);
    }

    private static String table(int t) {
        return "customers_" + t;
    }

    private static void update(String url, int tables, int rows, int rate, int total, int seed) {
        Random random = new Random(seed);
        String[] segments = {"RETAIL", "PREMIUM", "PRIVATE", "BUSINESS"};
        try (Connection c = DriverManager.getConnection(url, SourceDatabases.POSTGRES_USER, "")) {
            PreparedStatement[] updates = new PreparedStatement[tables];
            for (int t = 0; t < tables; t++) {
                updates[t] = c.prepareStatement("UPDATE public." + table(t) + " SET segment = ?, updated_at = now() WHERE customer_id = ?");
            }
            // Commits are durable (synchronous_commit on): an asynchronous commit reaches the WAL sender only at the WAL
            // writer's next flush (up to wal_writer_delay later), which would be measured as capture latency.
            long start = System.nanoTime();
            long tick = 1_000_000_000L / rate;
            for (int i = 0; i < total; i++) {
                long due = start + i * tick;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                PreparedStatement p = updates[(i + seed) % tables];
                p.setString(1, segments[i % segments.length]);
                p.setString(2, "C" + (1 + random.nextInt(rows)));
                p.executeUpdate();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static GenericRecord decode(RegistrySchemas schemas, byte[] wire) {
        try {
            Schema writer = schemas.byContentId(WireFormat.schemaId(wire).orElseThrow());
            byte[] body = Arrays.copyOfRange(wire, WireFormat.HEADER_LENGTH, wire.length);
            return new GenericDatumReader<GenericRecord>(writer).read(null, DecoderFactory.get().binaryDecoder(body, null));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static long pct(long[] sorted, int p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }

    private CdcBench() {
    }
}
