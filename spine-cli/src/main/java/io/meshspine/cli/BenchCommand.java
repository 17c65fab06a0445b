package io.meshspine.cli;

import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.avro.WireFormat;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.registry.ApicurioClient;
import io.meshspine.core.registry.ContractRegistrar;
import io.meshspine.core.topic.TopicCatalogue;
import io.meshspine.core.topic.TopicProvisioner;
import io.meshspine.core.topic.TopicRole;
import io.meshspine.core.topic.Topics;
import io.meshspine.gate.ContractGateService;
import io.meshspine.core.config.CommonSettings;
import io.meshspine.gate.GateConfig;
import io.meshspine.gate.GateSettings;
import io.meshspine.gate.ProductTransform;
import io.meshspine.testkit.ContractFixtures;
import io.meshspine.testkit.SamplePayments;
import io.meshspine.testkit.SpineInfrastructure;
import io.meshspine.testkit.internal.TempDirs;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;

/** {@code ./spine bench gate}: the contract gate against a pass-through Streams app, same input, broker and EOS settings, same run. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks that print figures (see docs/benchmarks.md).",
        subcommands = {BenchCommand.Gate.class})
final class BenchCommand {

    @Command(name = "gate", mixinStandardHelpOptions = true,
            description = "Gate throughput on the payments contract vs a bytes-in/bytes-out Streams app, both exactly_once_v2.")
    static final class Gate implements Callable<Integer> {

        @Option(names = "--records", defaultValue = "1000000", description = "Measured records (default: ${DEFAULT-VALUE}).")
        int records;

        @Option(names = "--warmup", defaultValue = "200000", description = "Warm-up records run through both first (default: ${DEFAULT-VALUE}).")
        int warmup;

        @Option(names = "--bad-share", defaultValue = "0.05", description = "Share of records breaking a rule (default: ${DEFAULT-VALUE}).")
        double badShare;

        @Option(names = "--partitions", defaultValue = "4", description = "Partitions of the input topic (default: ${DEFAULT-VALUE}).")
        int partitions;

        @Option(names = "--threads", defaultValue = "1", description = "Stream threads of both apps (default: ${DEFAULT-VALUE}).")
        int threads;

        @Option(names = "--floor", description = "Also run the pass-through with the gate's dedup window store alone (a fetch, a put and its "
                + "changelog record per record, no decision): the most the gate could keep of the pass-through with the store it needs.")
        boolean floor;

        @Option(names = "--floor-store", defaultValue = "rocksdb", description = "The floor's store: rocksdb (the gate's) or memory "
                + "(looked up by point in day buckets, since a range fetch over an in-memory window store scans every timestamp) (default: ${DEFAULT-VALUE}).")
        String floorStore;

        @Option(names = "--floor-changelog", negatable = true, defaultValue = "true", fallbackValue = "true",
                description = "Whether the floor's store writes its changelog, as the gate's must (default: ${DEFAULT-VALUE}).")
        boolean floorChangelog;

        @Override
        public Integer call() throws Exception {
            floorInMemory(); // a wrong --floor-store fails here, not after minutes of benchmarking
            System.out.printf("bench gate: %,d records (+%,d warm-up), %d partitions, %d stream thread(s) each, %.0f%% breaking a rule, JDK %s, %d cores%n",
                    records, warmup, partitions, threads, badShare * 100, Runtime.version(), Runtime.getRuntime().availableProcessors());
            try (SpineInfrastructure infra = SpineInfrastructure.start("embedded", "embedded", 0, 0);
                 Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafka().bootstrapServers()))) {
                Contract payments = ContractFixtures.inFreshDomain(ContractCatalog.fromClasspath().latest("payments.transactions").orElseThrow(), "bench");
                new TopicProvisioner(admin, (short) 1).provision(TopicCatalogue.of(List.of(payments),
                                new TopicCatalogue.Settings(partitions, java.time.Duration.ofDays(1), java.time.Duration.ofDays(1), java.time.Duration.ofDays(1)))
                        .topics().stream().filter(t -> t.role() == TopicRole.RAW || t.role() == TopicRole.PRODUCT || t.name().equals(Topics.DLQ)).toList());
                String passOut = "bench-pass-through-out";
                admin.createTopics(List.of(new NewTopic(passOut, partitions, (short) 1))).all().get();
                RegistrySchemas registry = new RegistrySchemas(new ApicurioClient(infra.registry().registryUrl()));
                long writerId = registry.contentIdFor(payments.domain(), ContractRegistrar.valueArtifact(payments.rawTopic()), payments.avroSchema());

                long produceStart = System.nanoTime();
                long bytes = produce(infra.kafka().bootstrapServers(), payments, writerId, warmup + records);
                double produceSeconds = (System.nanoTime() - produceStart) / 1e9;
                System.out.printf("input: %,d records, %.0f bytes/record on average, produced in %.1f s%n",
                        warmup + records, (double) bytes / (warmup + records), produceSeconds);

                Path state = TempDirs.create("spine-bench-");
                try {
                    Result pass = passThrough(infra, admin, payments.rawTopic(), passOut, state);
                    Result withStore = floor ? passThroughWithDedupStore(infra, admin, payments.rawTopic(), passOut + "-store", state) : null;
                    Result gate = gate(infra, admin, payments, state);
                    System.out.printf("pass-through (EOS v2, bytes in/out): %,.0f records/s (%,d records in %.2f s after warm-up)%n",
                            pass.recordsPerSecond(), pass.records(), pass.seconds());
                    if (withStore != null) {
                        System.out.printf("pass-through + dedup store alone:    %,.0f records/s (%,d records in %.2f s after warm-up), %.2f of the pass-through, CPU %.1f µs/record%n",
                                withStore.recordsPerSecond(), withStore.records(), withStore.seconds(),
                                withStore.recordsPerSecond() / pass.recordsPerSecond(), withStore.cpuMicrosPerRecord());
                    }
                    System.out.printf("contract gate (EOS v2, payments):    %,.0f records/s (%,d records in %.2f s after warm-up)%n",
                            gate.recordsPerSecond(), gate.records(), gate.seconds());
                    System.out.printf("ratio gate / pass-through: %.2f%n", gate.recordsPerSecond() / pass.recordsPerSecond());
                    System.out.printf("CPU per record (whole JVM: broker + app): pass-through %.1f µs, gate %.1f µs, ratio %.2f%n",
                            pass.cpuMicrosPerRecord(), gate.cpuMicrosPerRecord(), pass.cpuMicrosPerRecord() / gate.cpuMicrosPerRecord());
                } finally {
                    TempDirs.deleteQuietly(state);
                }
            }
            return 0;
        }

        /** CPU time is of the whole JVM (broker, registry client, app): robust to other load on the machine, unlike seconds. */
        record Result(long records, double seconds, double cpuSeconds) {
            double recordsPerSecond() {
                return records / seconds;
            }

            double cpuMicrosPerRecord() {
                return cpuSeconds * 1e6 / records;
            }
        }

        private static double processCpuSeconds() {
            return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                    .getProcessCpuTime() / 1e9;
        }

        private long produce(String bootstrap, Contract payments, long writerId, int count) {
            SamplePayments samples = new SamplePayments(payments.avroSchema());
            long bytes = 0;
            Instant at = Instant.now().minusSeconds(3600);
            java.util.SplittableRandom random = new java.util.SplittableRandom(7);
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 20, ProducerConfig.BATCH_SIZE_CONFIG, 262_144,
                    ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"), new ByteArraySerializer(), new ByteArraySerializer())) {
                for (int i = 0; i < count; i++) {
                    var r = samples.valid(i, at);
                    if (random.nextDouble() < badShare) {
                        r.put("amount", SamplePayments.money("0.00"));
                        r.put("fee_amount", null);
                    }
                    byte[] value = WireFormat.encode(writerId, payments.avroSchema(), r);
                    bytes += value.length;
                    producer.send(new ProducerRecord<>(payments.rawTopic(), r.get("transaction_id").toString().getBytes(StandardCharsets.UTF_8), value));
                }
                producer.flush();
            }
            return bytes;
        }

        private Result passThrough(SpineInfrastructure infra, Admin admin, String in, String out, Path state) throws Exception {
            StreamsBuilder builder = new StreamsBuilder();
            builder.stream(in, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray())).to(out, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
            return runPassThrough(infra, admin, in, builder.build(), "bench-pass-", state);
        }

        private boolean floorInMemory() {
            return switch (floorStore) {
                case "rocksdb" -> false;
                case "memory", "none", "kv", "kvmem" -> true;
                default -> throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                        "--floor-store must be rocksdb or memory, was " + floorStore);
            };
        }

        /**
         * Bytes in, bytes out, plus what the gate's dedup costs with nothing else: the same persistent window store
         * (7-day window, changelogged), a fetch and a put of a SHA-256 identity per record.
         */
        private Result passThroughWithDedupStore(SpineInfrastructure infra, Admin admin, String in, String out, Path state) throws Exception {
            admin.createTopics(List.of(new NewTopic(out, partitions, (short) 1))).all().get();
            java.time.Duration window = java.time.Duration.ofDays(7);
            Topology topology = new Topology();
            topology.addSource("in", new ByteArrayDeserializer(), new ByteArrayDeserializer(), in);
            boolean memory = floorInMemory();
            String mode = floorStore;
            topology.addProcessor("dedup", () -> new DedupOnly(window, memory, mode), "in");
            if (floorStore.startsWith("kv")) {
                var kb = Stores.keyValueStoreBuilder(floorStore.equals("kv") ? Stores.persistentKeyValueStore("dedupkv") : Stores.inMemoryKeyValueStore("dedupkv"), Serdes.Bytes(), Serdes.Long());
                if (!floorChangelog) {
                    kb = kb.withLoggingDisabled();
                }
                topology.addStateStore(kb, "dedup");
            } else if (!floorStore.equals("none")) {
            var supplier = memory ? Stores.inMemoryWindowStore("dedup", window.multipliedBy(2), window, false)
                    : Stores.persistentWindowStore("dedup", window.multipliedBy(2), window, false);
            var b = Stores.windowStoreBuilder(supplier, Serdes.Bytes(), Serdes.Long());
            if (!floorChangelog) {
                b = b.withLoggingDisabled();
            }
            topology.addStateStore(b, "dedup");
            }
            topology.addSink("out", out, new ByteArraySerializer(), new ByteArraySerializer(), "dedup");
            return runPassThrough(infra, admin, in, topology, "bench-store-", state);
        }

        /** The gate processor's store traffic, shape for shape, around a byte copy. */
        private static final class DedupOnly implements Processor<byte[], byte[], byte[], byte[]> {
            private final java.time.Duration window;
            private final boolean pointLookups;
            private ProcessorContext<byte[], byte[]> context;
            private WindowStore<Bytes, Long> store;
            private java.security.MessageDigest sha;

            private final String mode;
            private org.apache.kafka.streams.state.KeyValueStore<Bytes, Long> kv;

            DedupOnly(java.time.Duration window, boolean pointLookups, String mode) {
                this.window = window;
                this.pointLookups = pointLookups;
                this.mode = mode;
            }

            @Override
            public void init(ProcessorContext<byte[], byte[]> context) {
                this.context = context;
                if (mode.startsWith("kv")) {
                    this.kv = context.getStateStore("dedupkv");
                } else if (!mode.equals("none")) {
                    this.store = context.getStateStore("dedup");
                }
                try {
                    this.sha = java.security.MessageDigest.getInstance("SHA-256");
                } catch (java.security.NoSuchAlgorithmException e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public void process(Record<byte[], byte[]> record) {
                Bytes identity = Bytes.wrap(sha.digest(record.value()));
                if (mode.equals("none")) {
                    context.forward(record);
                    return;
                }
                if (mode.startsWith("kv")) {
                    if (kv.get(identity) != null) {
                        return;
                    }
                    kv.put(identity, System.currentTimeMillis());
                    context.forward(record);
                    return;
                }
                if (pointLookups) {
                    long bucket = record.timestamp() - Math.floorMod(record.timestamp(), window.toMillis());
                    if (store.fetch(identity, bucket) != null || store.fetch(identity, bucket - window.toMillis()) != null) {
                        return;
                    }
                    store.put(identity, System.currentTimeMillis(), bucket);
                    context.forward(record);
                    return;
                }
                try (WindowStoreIterator<Long> seen = store.fetch(identity, record.timestamp() - window.toMillis(), record.timestamp() + window.toMillis())) {
                    if (seen.hasNext()) {
                        return;
                    }
                }
                store.put(identity, System.currentTimeMillis(), record.timestamp());
                context.forward(record);
            }
        }

        private Result runPassThrough(SpineInfrastructure infra, Admin admin, String in, Topology topology, String appPrefix, Path state) throws Exception {
            String app = appPrefix + UUID.randomUUID();
            Properties p = new Properties();
            p.put(StreamsConfig.APPLICATION_ID_CONFIG, app);
            p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafka().bootstrapServers());
            p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
            p.put(StreamsConfig.STATE_DIR_CONFIG, state.resolve(appPrefix).toString());
            p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
            p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
            p.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
            p.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "lz4");
            p.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 5);
            try (KafkaStreams streams = new KafkaStreams(topology, p)) {
                streams.start();
                return measure(admin, app, in);
            }
        }

        private Result gate(SpineInfrastructure infra, Admin admin, Contract payments, Path state) throws Exception {
            GateConfig config = GateSettings.parse(Map.of(CommonSettings.KAFKA_BOOTSTRAP_SERVERS.key(), infra.kafka().bootstrapServers(),
                    CommonSettings.REGISTRY_URL.key(), infra.registry().registryUrl(), GateSettings.HASH_KEY.key(), "bench-hash-key-0123456789abcdef",
                    GateSettings.STATE_DIR.key(), state.resolve("gate").toString(), GateSettings.APPLICATION_ID.key(), "bench-gate-" + UUID.randomUUID(),
                    GateSettings.STREAM_THREADS.key(), Integer.toString(threads)));
            try (ContractGateService gate = ContractGateService.start(config, ContractCatalog.of(List.of(payments)),
                    new SimpleMeterRegistry(), ProductTransform.NONE)) {
                return measure(admin, config.applicationId(), payments.rawTopic());
            }
        }

        /** Times the measured records: from the moment the warm-up records are committed to the moment all are. */
        private Result measure(Admin admin, String group, String topic) throws Exception {
            awaitCommitted(admin, group, topic, warmup);
            long start = System.nanoTime();
            double cpu = processCpuSeconds();
            awaitCommitted(admin, group, topic, (long) warmup + records);
            return new Result(records, (System.nanoTime() - start) / 1e9, processCpuSeconds() - cpu);
        }

        private static void awaitCommitted(Admin admin, String group, String topic, long target) throws Exception {
            while (true) {
                Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
                long committed = offsets.entrySet().stream().filter(e -> e.getKey().topic().equals(topic) && e.getValue() != null)
                        .mapToLong(e -> e.getValue().offset()).sum();
                if (committed >= target) {
                    return;
                }
                Thread.sleep(50);
            }
        }
    }
}
