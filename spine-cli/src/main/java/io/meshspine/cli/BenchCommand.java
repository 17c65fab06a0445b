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
import io.meshspine.core.SpineHeaders;
import io.meshspine.gate.ContractGateService;
import io.meshspine.gate.internal.IdentityHasher;
import io.meshspine.gate.internal.WindowedIdentities;
import io.meshspine.gate.internal.PreCommitStore;
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
            description = "Gate throughput on the payments contract vs a bytes-in/bytes-out Streams app (and, with --peer, a hand-written "
                    + "validating app), all exactly_once_v2, same input, broker and producer settings, interleaved over --runs runs.")
    static final class Gate implements Callable<Integer> {

        @Option(names = "--records", defaultValue = "1000000", description = "Measured records (default: ${DEFAULT-VALUE}).")
        int records;

        @Option(names = "--warmup", defaultValue = "600000", description = "Warm-up records run through each app first (default: ${DEFAULT-VALUE}).")
        int warmup;

        @Option(names = "--bad-share", defaultValue = "0.05", description = "Share of records breaking a rule (default: ${DEFAULT-VALUE}).")
        double badShare;

        @Option(names = "--partitions", defaultValue = "4", description = "Partitions of the input topic (default: ${DEFAULT-VALUE}).")
        int partitions;

        @Option(names = "--threads", defaultValue = "1", description = "Stream threads of every app (default: ${DEFAULT-VALUE}).")
        int threads;

        @Option(names = "--runs", defaultValue = "1", description = "Interleaved runs of every side; the spread of the ratios is printed (default: ${DEFAULT-VALUE}).")
        int runs;

        @Option(names = "--customers", defaultValue = "10000", description = "Customers the payments come from, each with one account, "
                + "drawn uniformly: traffic repeats its customers as the lanes' would (0: every payment a new random customer and account; "
                + "default: ${DEFAULT-VALUE}).")
        int customers;

        @Option(names = "--floor", description = "Also run the pass-through with the gate's dedup store alone (an HMAC identity, a lookup and "
                + "a remembered identity per record in the gate's own store, no decision): what the store costs by itself.")
        boolean floor;

        @Option(names = "--peer", description = "Also run what a team would write instead: Kafka Streams with Apicurio's Avro serde "
                + "(GenericRecord), the payments rules as Java predicates, a branch to a DLQ topic, EOS v2, no dedup, no masking.")
        boolean peer;

        @Override
        public Integer call() throws Exception {
            System.out.printf("bench gate: %,d records (+%,d warm-up), %d partitions, %d stream thread(s) each, %.0f%% breaking a rule, %d run(s), JDK %s, %d cores%n",
                    records, warmup, partitions, threads, badShare * 100, runs, Runtime.version(), Runtime.getRuntime().availableProcessors());
            try (SpineInfrastructure infra = SpineInfrastructure.start("embedded", "embedded", 0, 0);
                 Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafka().bootstrapServers()))) {
                Contract payments = ContractFixtures.inFreshDomain(ContractCatalog.fromClasspath().latest("payments.transactions").orElseThrow(), "bench");
                new TopicProvisioner(admin, (short) 1).provision(TopicCatalogue.of(List.of(payments),
                                new TopicCatalogue.Settings(partitions, java.time.Duration.ofDays(1), java.time.Duration.ofDays(1), java.time.Duration.ofDays(1)))
                        .topics().stream().filter(t -> t.role() == TopicRole.RAW || t.role() == TopicRole.PRODUCT || t.name().equals(Topics.DLQ)
                                // the gate seals the originals of any dead letter under keys kept there (issue 16)
                                || t.name().equals(Topics.PRIVACY_KEYS)).toList());
                RegistrySchemas registry = new RegistrySchemas(new ApicurioClient(infra.registry().registryUrl()));
                long writerId = registry.contentIdFor(payments.domain(), ContractRegistrar.valueArtifact(payments.rawTopic()), payments.avroSchema());

                long produceStart = System.nanoTime();
                long bytes = produce(infra.kafka().bootstrapServers(), payments, writerId, warmup + records);
                System.out.printf("input: %,d records, %.0f bytes/record on average (plus the lanes' headers), produced in %.1f s%n",
                        warmup + records, (double) bytes / (warmup + records), (System.nanoTime() - produceStart) / 1e9);

                Path state = TempDirs.create("spine-bench-");
                List<Map<String, Result>> all = new java.util.ArrayList<>();
                List<String> mismatches = new java.util.ArrayList<>();
                try {
                    for (int run = 1; run <= runs; run++) {
                        Map<String, Result> results = new java.util.LinkedHashMap<>();
                        results.put("pass-through", passThrough(infra, admin, payments.rawTopic(), state));
                        if (floor) {
                            results.put("store alone", passThroughWithDedupStore(infra, admin, payments.rawTopic(), state));
                        }
                        if (peer) {
                            results.put("peer", peer(infra, admin, payments, state));
                        }
                        results.put("gate", gate(infra, admin, payments, state));
                        all.add(results);
                        print(run, results);
                        for (var e : results.entrySet()) {
                            if (e.getValue().output() != warmup + records) {
                                mismatches.add("run " + run + " " + e.getKey() + ": " + e.getValue().output() + " output records for "
                                        + (warmup + records) + " in");
                            }
                        }
                    }
                    if (runs > 1) {
                        summary(all);
                    }
                    if (!mismatches.isEmpty()) {
                        System.out.println("OUTPUT MISMATCH (records lost or doubled): " + String.join("; ", mismatches));
                        return 1;
                    }
                    System.out.printf("output verified: every side wrote exactly one committed record (product or dead letter) per input record, %,d each run%n",
                            warmup + records);
                } finally {
                    TempDirs.deleteQuietly(state);
                }
            }
            return 0;
        }

        private static void print(int run, Map<String, Result> results) {
            Result pass = results.get("pass-through");
            results.forEach((side, r) -> System.out.printf("run %d  %-13s %,9.0f records/s  (%,d in %.2f s)  %.2f of the pass-through  CPU %.1f µs/record (%.2fx the pass-through's)%n",
                    run, side, r.recordsPerSecond(), r.records(), r.seconds(), r.recordsPerSecond() / pass.recordsPerSecond(),
                    r.cpuMicrosPerRecord(), r.cpuMicrosPerRecord() / pass.cpuMicrosPerRecord()));
            if (results.containsKey("peer")) {
                System.out.printf("run %d  gate / peer: %.2f%n", run, results.get("gate").recordsPerSecond() / results.get("peer").recordsPerSecond());
            }
        }

        private static void summary(List<Map<String, Result>> all) {
            System.out.println("spread over " + all.size() + " interleaved runs (min / median / max):");
            for (String side : all.get(0).keySet()) {
                double[] ratio = all.stream().mapToDouble(r -> r.get(side).recordsPerSecond() / r.get("pass-through").recordsPerSecond()).sorted().toArray();
                double[] cpu = all.stream().mapToDouble(r -> r.get(side).cpuMicrosPerRecord() / r.get("pass-through").cpuMicrosPerRecord()).sorted().toArray();
                System.out.printf("  %-13s records/s ÷ pass-through %.2f / %.2f / %.2f   CPU/record ÷ pass-through %.2f / %.2f / %.2f%n", side,
                        ratio[0], ratio[ratio.length / 2], ratio[ratio.length - 1], cpu[0], cpu[cpu.length / 2], cpu[cpu.length - 1]);
            }
            if (all.get(0).containsKey("peer")) {
                double[] g = all.stream().mapToDouble(r -> r.get("gate").recordsPerSecond() / r.get("peer").recordsPerSecond()).sorted().toArray();
                System.out.printf("  gate ÷ peer   %.2f / %.2f / %.2f%n", g[0], g[g.length / 2], g[g.length - 1]);
            }
        }

        /** CPU time is of the whole JVM (broker, registry client, app): robust to other load on the machine, unlike seconds. */
        record Result(long records, double seconds, double cpuSeconds, long output) {
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

        /** Payments as the event lane sends them: with a correlation id, a source position and the contract version in headers. */
        private long produce(String bootstrap, Contract payments, long writerId, int count) {
            SamplePayments samples = new SamplePayments(payments.avroSchema());
            long bytes = 0;
            Instant at = Instant.now().minusSeconds(3600);
            java.util.SplittableRandom random = new java.util.SplittableRandom(7);
            java.util.SplittableRandom who = new java.util.SplittableRandom(11);
            String[] customerIds = new String[customers];
            String[] accounts = new String[customers];
            for (int c = 0; c < customers; c++) {
                customerIds[c] = "C" + (100_000 + c);
                accounts[c] = String.format("062-%03d %08d", c % 1000, (c * 7_919L) % 100_000_000);
            }
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 20, ProducerConfig.BATCH_SIZE_CONFIG, 262_144,
                    ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"), new ByteArraySerializer(), new ByteArraySerializer())) {
                for (int i = 0; i < count; i++) {
                    var r = samples.valid(i, at);
                    if (customers > 0) {
                        int c = who.nextInt(customers);
                        r.put("customer_id", customerIds[c]);
                        r.put("account_number", accounts[c]);
                    }
                    if (random.nextDouble() < badShare) {
                        r.put("amount", SamplePayments.money("0.00"));
                        r.put("fee_amount", null);
                    }
                    byte[] value = WireFormat.encode(writerId, payments.avroSchema(), r);
                    bytes += value.length;
                    ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(payments.rawTopic(),
                            r.get("transaction_id").toString().getBytes(StandardCharsets.UTF_8), value);
                    record.headers().add(SpineHeaders.CORRELATION_ID, SpineHeaders.utf8(SpineHeaders.newCorrelationId()))
                            .add(SpineHeaders.SOURCE, SpineHeaders.utf8("event"))
                            .add(SpineHeaders.SOURCE_POSITION, SpineHeaders.utf8("bench:payments-hub:" + i))
                            .add(SpineHeaders.CONTRACT_VERSION, SpineHeaders.utf8(Integer.toString(payments.majorVersion())));
                    producer.send(record);
                }
                producer.flush();
            }
            return bytes;
        }

        private Result passThrough(SpineInfrastructure infra, Admin admin, String in, Path state) throws Exception {
            String out = newTopic(admin, "bench-pass-through-out-");
            StreamsBuilder builder = new StreamsBuilder();
            builder.stream(in, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray())).to(out, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
            return runApp(infra, admin, in, builder.build(), "bench-pass-", state, List.of(out));
        }

        private String newTopic(Admin admin, String prefix) throws Exception {
            String name = prefix + UUID.randomUUID();
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get();
            return name;
        }

        /**
         * Bytes in, bytes out, plus what the gate's dedup costs with nothing else: the gate's own store (identities in
         * memory, batched into a cached, changelogged key-value store) with an HMAC identity, a lookup and a put per record.
         */
        private Result passThroughWithDedupStore(SpineInfrastructure infra, Admin admin, String in, Path state) throws Exception {
            String out = newTopic(admin, "bench-store-out-");
            Topology topology = new Topology();
            topology.addSource("in", new ByteArrayDeserializer(), new ByteArrayDeserializer(), in);
            topology.addProcessor("dedup", DedupOnly::new, "in");
            topology.addStateStore(PreCommitStore.around(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore("dedup"), Serdes.Bytes(),
                    Serdes.ByteArray()).withCachingEnabled()), "dedup");
            topology.addSink("out", out, new ByteArraySerializer(), new ByteArraySerializer(), "dedup");
            return runApp(infra, admin, in, topology, "bench-store-", state, List.of(out));
        }

        /** The gate processor's store traffic, shape for shape, around a byte copy. */
        private static final class DedupOnly implements Processor<byte[], byte[], byte[], byte[]> {
            private final IdentityHasher hasher = new IdentityHasher("bench-hash-key-0123456789abcdef".getBytes(StandardCharsets.UTF_8));
            private final byte[] contract = "bench".getBytes(StandardCharsets.UTF_8);
            private ProcessorContext<byte[], byte[]> context;
            private WindowedIdentities passed;

            @Override
            public void init(ProcessorContext<byte[], byte[]> context) {
                this.context = context;
                this.passed = new WindowedIdentities(context.getStateStore("dedup"), java.time.Duration.ofDays(7), 8);
                PreCommitStore.of(context.getStateStore("dedup")).beforeEachCommit(passed::writeBatches);
                passed.restore(System.currentTimeMillis());
            }

            @Override
            public void process(Record<byte[], byte[]> record) {
                byte[] position = record.headers().lastHeader(SpineHeaders.SOURCE_POSITION).value();
                byte[] id = hasher.identity(contract, record.key(), IdentityHasher.Kind.POSITION, position, 0, position.length);
                long now = System.currentTimeMillis();
                if (!passed.contains(id, now)) {
                    passed.add(id, now);
                    context.forward(record);
                }
            }
        }

        /** A validating app as a team would write it without the spine: Apicurio's serde, Java predicates, a DLQ branch. */
        private Result peer(SpineInfrastructure infra, Admin admin, Contract payments, Path state) throws Exception {
            String out = newTopic(admin, "bench-peer-out-");
            String dlq = newTopic(admin, "bench-peer-dlq-");
            Map<String, Object> serde = Map.of("apicurio.registry.url", infra.registry().registryUrl(), "apicurio.registry.use-id", "contentId",
                    "apicurio.registry.auto-register", true, "apicurio.registry.avro.datum-provider", "io.apicurio.registry.serde.avro.DefaultAvroDatumProvider");
            var serializer = new io.apicurio.registry.serde.avro.AvroKafkaSerializer<org.apache.avro.generic.GenericRecord>();
            serializer.configure(serde, false);
            var deserializer = new io.apicurio.registry.serde.avro.AvroKafkaDeserializer<org.apache.avro.generic.GenericRecord>();
            deserializer.configure(serde, false);
            var avro = Serdes.serdeFrom(serializer, deserializer);
            PeerRules rules = new PeerRules(payments);
            StreamsBuilder builder = new StreamsBuilder();
            var branches = builder.stream(payments.rawTopic(), Consumed.with(Serdes.ByteArray(), avro))
                    .split(org.apache.kafka.streams.kstream.Named.as("peer-"))
                    .branch((k, v) -> rules.valid(v), org.apache.kafka.streams.kstream.Branched.as("valid"))
                    .defaultBranch(org.apache.kafka.streams.kstream.Branched.as("invalid"));
            branches.get("peer-valid").to(out, Produced.with(Serdes.ByteArray(), avro));
            branches.get("peer-invalid").to(dlq, Produced.with(Serdes.ByteArray(), avro));
            return runApp(infra, admin, payments.rawTopic(), builder.build(), "bench-peer-", state, List.of(out, dlq));
        }

        /** The payments contract's error rules, hand-written (the currency list is the contract's own). */
        static final class PeerRules {
            private static final java.math.BigDecimal MAX = new java.math.BigDecimal("1000000");
            private final java.util.Set<String> currencies;

            PeerRules(Contract payments) {
                currencies = payments.rules().rules().stream()
                        .filter(r -> r instanceof io.meshspine.core.contract.QualityRule.AllowedValues a && a.field().equals("currency"))
                        .flatMap(r -> ((io.meshspine.core.contract.QualityRule.AllowedValues) r).values().stream())
                        .collect(java.util.stream.Collectors.toUnmodifiableSet());
                if (currencies.isEmpty()) {
                    throw new IllegalStateException("the payments contract has no allowed-values rule on currency");
                }
            }

            boolean valid(org.apache.avro.generic.GenericRecord v) {
                if (v.get("transaction_id") == null || v.get("account_number") == null || v.get("customer_id") == null) {
                    return false;
                }
                java.math.BigDecimal amount = decimal(v.get("amount"));
                if (amount == null || amount.signum() <= 0 || amount.compareTo(MAX) >= 0) {
                    return false;
                }
                if (!currencies.contains(v.get("currency").toString())) {
                    return false;
                }
                String direction = v.get("direction").toString();
                if (!direction.equals("DEBIT") && !direction.equals("CREDIT")) {
                    return false;
                }
                if ((Long) v.get("occurred_at") > (System.currentTimeMillis() + 300_000) * 1000) {
                    return false;
                }
                java.math.BigDecimal fee = decimal(v.get("fee_amount"));
                return fee == null || fee.compareTo(amount) <= 0;
            }

            private static java.math.BigDecimal decimal(Object bytes) {
                if (bytes == null) {
                    return null;
                }
                java.nio.ByteBuffer b = ((java.nio.ByteBuffer) bytes).duplicate();
                byte[] raw = new byte[b.remaining()];
                b.get(raw);
                return new java.math.BigDecimal(new java.math.BigInteger(raw), 2);
            }
        }

        private Result runApp(SpineInfrastructure infra, Admin admin, String in, Topology topology, String appPrefix, Path state,
                              List<String> outputs) throws Exception {
            String app = appPrefix + UUID.randomUUID();
            Properties p = new Properties();
            p.put(StreamsConfig.APPLICATION_ID_CONFIG, app);
            p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafka().bootstrapServers());
            p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
            p.put(StreamsConfig.STATE_DIR_CONFIG, state.resolve(app).toString());
            p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
            p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
            p.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
            // The same producer settings as the gate's, so the sides differ only in what they do per record.
            ContractGateService.producerTuning().forEach((k, v) -> p.put(StreamsConfig.producerPrefix(k), v));
            OutputCount output = OutputCount.from(infra.kafka().bootstrapServers(), outputs);
            try (KafkaStreams streams = new KafkaStreams(topology, p)) {
                streams.start();
                return measure(admin, app, in, output);
            }
        }

        private Result gate(SpineInfrastructure infra, Admin admin, Contract payments, Path state) throws Exception {
            GateConfig config = GateSettings.parse(Map.of(CommonSettings.KAFKA_BOOTSTRAP_SERVERS.key(), infra.kafka().bootstrapServers(),
                    CommonSettings.REGISTRY_URL.key(), infra.registry().registryUrl(), GateSettings.HASH_KEY.key(), "bench-hash-key-0123456789abcdef",
                    GateSettings.STATE_DIR.key(), state.resolve("gate-" + UUID.randomUUID()).toString(), GateSettings.APPLICATION_ID.key(), "bench-gate-" + UUID.randomUUID(),
                    GateSettings.STREAM_THREADS.key(), Integer.toString(threads)));
            // The product topic and the DLQ are the same in every run: counted from where they ended before this one.
            OutputCount output = OutputCount.from(infra.kafka().bootstrapServers(), List.of(payments.productTopic(), Topics.DLQ));
            try (ContractGateService gate = ContractGateService.start(config, ContractCatalog.of(List.of(payments)),
                    new SimpleMeterRegistry(), ProductTransform.NONE)) {
                return measure(admin, config.applicationId(), payments.rawTopic(), output);
            }
        }

        /** Times the measured records: from the moment the warm-up records are committed to the moment all are. */
        private Result measure(Admin admin, String group, String topic, OutputCount output) throws Exception {
            awaitCommitted(admin, group, topic, warmup);
            long start = System.nanoTime();
            double cpu = processCpuSeconds();
            awaitCommitted(admin, group, topic, (long) warmup + records);
            Result timed = new Result(records, (System.nanoTime() - start) / 1e9, processCpuSeconds() - cpu, 0);
            // After the clock: the committed output, read back (read_committed), must be one record per input record.
            return new Result(timed.records(), timed.seconds(), timed.cpuSeconds(), output.await(warmup + records));
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
