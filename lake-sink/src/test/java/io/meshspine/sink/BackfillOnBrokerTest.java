package io.meshspine.sink;

import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.avro.WireFormat;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.core.deadletter.DeadLetterCodec;
import io.meshspine.core.deadletter.FailureType;
import io.meshspine.core.registry.ApicurioClient;
import io.meshspine.core.registry.ContractRegistrar;
import io.meshspine.core.topic.TopicCatalogue;
import io.meshspine.core.topic.TopicProvisioner;
import io.meshspine.core.topic.Topics;
import io.meshspine.dlq.DeadLetterFilter;
import io.meshspine.dlq.DeadLetterStatus;
import io.meshspine.dlq.DlqConfig;
import io.meshspine.dlq.DlqWorkbench;
import io.meshspine.dlq.QueuedDeadLetter;
import io.meshspine.dlq.Steward;
import io.meshspine.gate.ContractGateService;
import io.meshspine.gate.GateConfig;
import io.meshspine.gate.GateSettings;
import io.meshspine.gate.ProductTransform;
import io.meshspine.sink.internal.BackfillJob;
import io.meshspine.testkit.ChildJvm;
import io.meshspine.testkit.SamplePayments;
import io.meshspine.testkit.SpineExtension;
import io.meshspine.testkit.SpineTestKit;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import io.meshspine.testkit.KernelTable;

/**
 * Issue #17 on the real broker and registry, the tables read with Delta Kernel: a rule too strict dead-letters part of
 * the traffic at the gate; the contract is fixed; the backfill (dry run, then a run killed mid-way in its own JVM, then
 * the same command again) rebuilds Silver from Bronze with exactly the rows the fixed contract passes, once, masked
 * with the production key as the live sink's rows are; the gate's dead letters it now passes are resolved as backfilled.
 */
@ExtendWith(SpineExtension.class)
class BackfillOnBrokerTest {

    private static final String HASH_KEY = "backfill-test-hash-key-0123456789";
    private static final BigDecimal STRICT_MAX = new BigDecimal("1000");
    private static final int VALID = 240;
    private static final int RESENT = 10;

    @Test
    void a_fixed_rule_is_backfilled_from_bronze_exactly_once_even_when_the_backfill_is_killed_and_run_again(SpineTestKit kit, @TempDir Path dir)
            throws Exception {
        String domain = "payments_bf_" + Long.toHexString(System.nanoTime());
        Contract strict = ContractCatalog.load(writeContract(dir.resolve("strict"), domain, true)).latest(domain + ".transactions").orElseThrow();
        Path fixedDir = writeContract(dir.resolve("fixed"), domain, false);
        Contract fixed = ContractCatalog.load(fixedDir).latest(domain + ".transactions").orElseThrow();
        new TopicProvisioner(kit.admin(), (short) 1).provision(TopicCatalogue.of(List.of(strict)).topics());
        RegistrySchemas registry = new RegistrySchemas(new ApicurioClient(kit.registryUrl()));
        long writerId = registry.contentIdFor(domain, ContractRegistrar.valueArtifact(strict.rawTopic()), strict.avroSchema());
        Path lake = dir.resolve("lake");

        // The traffic: valid payments (some above the too-strict limit), re-sends of ten of them, two values that are not records.
        SamplePayments samples = new SamplePayments(strict.avroSchema());
        Instant base = Instant.parse("2026-11-20T08:00:00Z");
        Map<String, GenericRecord> valid = new LinkedHashMap<>();
        Set<String> strictPasses = new HashSet<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kit.producerConfig(), new ByteArraySerializer(), new ByteArraySerializer())) {
            List<byte[]> values = new ArrayList<>();
            for (int i = 0; i < VALID; i++) {
                GenericRecord r = samples.valid(i, base.plus(i % 3, ChronoUnit.DAYS));
                String id = r.get("transaction_id").toString();
                valid.put(id, r);
                if (amount(r).compareTo(STRICT_MAX) < 0) {
                    strictPasses.add(id);
                }
                values.add(WireFormat.encode(writerId, strict.avroSchema(), r));
            }
            for (int i = 0; i < VALID + RESENT; i++) {
                byte[] v = values.get(i < VALID ? i : i - VALID);
                producer.send(new ProducerRecord<>(strict.rawTopic(), ("k" + (i % VALID)).getBytes(StandardCharsets.UTF_8), v));
            }
            producer.send(new ProducerRecord<>(strict.rawTopic(), null, "not avro".getBytes(StandardCharsets.UTF_8)));
            producer.send(new ProducerRecord<>(strict.rawTopic(), null, "not avro either".getBytes(StandardCharsets.UTF_8)));
            producer.flush();
        }
        assertThat(strictPasses).as("the strict rule must refuse a good share").hasSizeBetween(VALID / 5, VALID * 4 / 5);
        int totalRaw = VALID + RESENT + 2;

        GateConfig gateConfig = GateSettings.parse(Map.of("kafka.bootstrap.servers", kit.bootstrapServers(), "registry.url", kit.registryUrl(),
                "privacy.encrypt-dead-letters", "false", "gate.hash-key", HASH_KEY, "gate.application-id", SpineTestKit.uniqueName("bf-gate"), "gate.state-dir", dir.resolve("state").toString()));
        SinkConfig sinkConfig = SinkConfig.defaults(kit.bootstrapServers(), kit.registryUrl()).withLakeRoot(lake.toString())
                .withGroupId(SpineTestKit.uniqueName("bf-sink")).withTrigger(new BatchTrigger(40, 64L << 20, Duration.ofMillis(300)))
                .withTableTriggers(Map.of());
        String bronzePath = LakeTables.path(lake.toString(), LakeTables.bronzeName(strict));
        String livePath = LakeTables.path(lake.toString(), LakeTables.silverName(strict));
        try (ContractGateService gate = ContractGateService.start(gateConfig, ContractCatalog.of(List.of(strict)), new SimpleMeterRegistry(), ProductTransform.NONE);
             SinkService sink = LakeSink.start(sinkConfig, ContractCatalog.of(List.of(strict)), new SimpleMeterRegistry())) {
            await("live path done").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                    .until(() -> KernelTable.count(bronzePath) == totalRaw && KernelTable.count(livePath) == strictPasses.size());
        }
        List<DeadLetter> gateLetters = deadLetters(kit, registry, strict.qualifiedName());
        Set<String> ruleLetterIds = gateLetters.stream().filter(d -> d.failureType() == FailureType.RULE).map(DeadLetter::id).collect(Collectors.toSet());
        // The gate drops a re-send of a record it refused as it drops one of a record it passed: one dead letter each.
        assertThat(ruleLetterIds).hasSize(VALID - strictPasses.size());
        assertThat(gateLetters).allMatch(d -> d.stage().equals("gate"));
        KernelTable.Contents live = KernelTable.read(livePath);
        assertThat(KernelTable.read(bronzePath).files()).as("Bronze in several files: several chunks").isGreaterThanOrEqualTo(4);

        // Dry run: the same decisions, counted; nothing written, nothing dead-lettered.
        BackfillJob.Summary dry = Backfill.run(fixed, gateConfig, new Backfill.Options(lake.toString(), null, null, null, true).withChunkRows(1),
                BackfillJob.Progress.NONE);
        assertThat(List.of(dry.rowsRead(), dry.passed(), dry.deadLettered(), dry.duplicates(), dry.silverRows()))
                .containsExactly((long) totalRaw, (long) VALID, 2L, (long) RESENT, (long) VALID);
        assertThat(new HashSet<>(dry.nowPassing())).isEqualTo(ruleLetterIds);
        assertThat(lake.resolve("silver").resolve(domain)).isDirectoryNotContaining(p -> p.getFileName().toString().contains("_backfill_"));
        assertThat(deadLetters(kit, registry, strict.qualifiedName())).hasSize(gateLetters.size());

        // A backfill in its own JVM, halted (as kill -9 would) after two chunks, with a third chunk's files and dead letters written.
        // One Bronze file per chunk (chunk rows 1), so this small table has several.
        Path into = dir.resolve("rebuilt");
        Process child = new ProcessBuilder(ChildJvm.command(dir.resolve("child-tmp"), List.of("-Xmx256m",
                "-D" + CrashPoint.PROPERTY + "=" + CrashPoint.BACKFILL_CHUNK_BEFORE_MANIFEST, "-D" + CrashPoint.AFTER_COMMITS_PROPERTY + "=2"),
                BackfillMain.class.getName(), lake.toString(), fixedDir.toString(), domain + ".transactions", kit.bootstrapServers(),
                kit.registryUrl(), HASH_KEY, into.toString(), "1")).redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
        try {
            assertThat(child.waitFor(120, TimeUnit.SECONDS)).isTrue();
        } finally {
            child.destroyForcibly().waitFor();
        }
        assertThat(child.exitValue()).as(Files.readString(dir.resolve("child.log"))).isEqualTo(CrashPoint.EXIT_STATUS);
        assertThat(into.resolve("_delta_log")).as("nothing visible before the final commit").doesNotExist();
        assertThat(into.resolve("_backfill/chunk-1.json")).exists();
        assertThat(into.resolve("_backfill/chunk-2.json")).doesNotExist();

        // The same command again: resumes after the two committed chunks; the cut-off chunk's files are gone.
        BackfillJob.Summary done = Backfill.run(fixed, gateConfig, new Backfill.Options(lake.toString(), into.toString(), null, null, false)
                .withChunkRows(1), BackfillJob.Progress.NONE);
        assertThat(done.chunksResumed()).isEqualTo(2);
        assertThat(List.of(done.rowsRead(), done.passed(), done.deadLettered(), done.duplicates(), done.silverRows()))
                .containsExactly((long) totalRaw, (long) VALID, 2L, (long) RESENT, (long) VALID);
        assertThat(new HashSet<>(done.nowPassing())).isEqualTo(ruleLetterIds);

        KernelTable.Contents rebuilt = KernelTable.read(io.meshspine.sink.internal.Hadoop.qualify(into.toString()));
        assertThat(rebuilt.column("transaction_id")).hasSize(VALID).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(valid.keySet());
        assertThat(rebuilt.partitionColumns()).isEqualTo(live.partitionColumns());
        assertThat(rebuilt.schema()).isEqualTo(live.schema());
        assertThat(LakeFixture.parquetFiles(into)).as("no orphan of the killed chunk").isEqualTo(rebuilt.files());
        assertThat(into.resolve("_backfill")).doesNotExist();
        // The rows the live path holds are the same rows, PII hashed with the production key: same code, same key.
        Map<Object, Map<String, Object>> rebuiltById = rebuilt.rows().stream().collect(Collectors.toMap(r -> r.get("transaction_id"), r -> r));
        for (Map<String, Object> row : live.rows()) {
            assertThat(rebuiltById.get(row.get("transaction_id"))).isEqualTo(row);
        }
        GenericRecord sample = valid.values().iterator().next();
        assertThat(rebuiltById.get(sample.get("transaction_id").toString()).get("customer_id")).isNotEqualTo(sample.get("customer_id").toString());

        // The backfill's own dead letters: the two values that are not records, stage=backfill, original bytes kept.
        // The killed run sent the third chunk's before it halted; the rerun sends them again under the same ids.
        List<DeadLetter> backfillLetters = deadLetters(kit, registry, strict.qualifiedName()).stream()
                .filter(d -> d.stage().equals(BackfillJob.STAGE)).toList();
        assertThat(backfillLetters).allMatch(d -> d.failureType() == FailureType.DESERIALIZATION && d.id().startsWith("backfill:"));
        assertThat(backfillLetters.stream().map(DeadLetter::id).distinct()).hasSize(2);
        assertThat(backfillLetters.stream().map(d -> new String(d.original().value(), StandardCharsets.UTF_8)).distinct())
                .containsExactlyInAnyOrder("not avro", "not avro either");

        // The gate's dead letters the backfill now passes are resolved as backfilled by the stewards' workbench.
        Steward admin = Steward.localAdmin("backfill-test");
        try (DlqWorkbench bench = DlqWorkbench.open(DlqConfig.defaults(kit.bootstrapServers(), kit.registryUrl()), ContractCatalog.of(List.of(fixed)))) {
            DeadLetterFilter nowPassing = DeadLetterFilter.parse(Map.of("id", List.copyOf(done.nowPassing())));
            assertThat(bench.resolve(nowPassing, "backfilled into " + into, admin).selected()).isEqualTo(ruleLetterIds.size());
            List<QueuedDeadLetter> after = bench.list(nowPassing.withStatusAny(), admin);
            assertThat(after).hasSize(ruleLetterIds.size()).allMatch(q -> q.status() == DeadLetterStatus.RESOLVED
                    && q.state().reason().startsWith("backfilled"));
            // The live queue of the contract is left with the gate's two undecodable values; the backfill's own are
            // there only when asked for (stage=backfill), once each.
            DeadLetterFilter mine = DeadLetterFilter.parse(Map.of("contract", List.of(fixed.qualifiedName())));
            assertThat(bench.summary(mine, admin).total()).isEqualTo(2);
            assertThat(bench.list(mine, admin)).allMatch(q -> q.letter().stage().equals("gate"));
            List<QueuedDeadLetter> asked = bench.list(DeadLetterFilter.parse(Map.of("contract", List.of(fixed.qualifiedName()),
                    "stage", List.of(BackfillJob.STAGE))), admin);
            assertThat(asked).hasSize(2).allMatch(q -> q.letter().stage().equals(BackfillJob.STAGE));
        }
    }

    @Test
    void a_replace_while_the_gate_and_the_sink_keep_writing_loses_and_doubles_no_row(SpineTestKit kit, @TempDir Path dir) throws Exception {
        String domain = "payments_rp_" + Long.toHexString(System.nanoTime());
        Contract contract = ContractCatalog.load(writeContract(dir.resolve("contracts"), domain, false)).latest(domain + ".transactions").orElseThrow();
        new TopicProvisioner(kit.admin(), (short) 1).provision(TopicCatalogue.of(List.of(contract)).topics());
        RegistrySchemas registry = new RegistrySchemas(new ApicurioClient(kit.registryUrl()));
        long writerId = registry.contentIdFor(domain, ContractRegistrar.valueArtifact(contract.rawTopic()), contract.avroSchema());
        Path lake = dir.resolve("lake");
        GateConfig gateConfig = GateSettings.parse(Map.of("kafka.bootstrap.servers", kit.bootstrapServers(), "registry.url", kit.registryUrl(),
                "privacy.encrypt-dead-letters", "false", "gate.hash-key", HASH_KEY, "gate.application-id", SpineTestKit.uniqueName("rp-gate"), "gate.state-dir", dir.resolve("state").toString()));
        SinkConfig sinkConfig = SinkConfig.defaults(kit.bootstrapServers(), kit.registryUrl()).withLakeRoot(lake.toString())
                .withGroupId(SpineTestKit.uniqueName("rp-sink")).withTrigger(new BatchTrigger(30, 64L << 20, Duration.ofMillis(200)))
                .withTableTriggers(Map.of());
        String bronzePath = LakeTables.path(lake.toString(), LakeTables.bronzeName(contract));
        String livePath = LakeTables.path(lake.toString(), LakeTables.silverName(contract));
        SamplePayments samples = new SamplePayments(contract.avroSchema());
        Instant base = Instant.parse("2026-11-25T08:00:00Z");
        int most = 1_000_000;
        java.util.concurrent.atomic.AtomicInteger stopAt = new java.util.concurrent.atomic.AtomicInteger(most);
        List<String> ids = new ArrayList<>();
        long[] replacedVersion = {-1};
        try (ContractGateService gate = ContractGateService.start(gateConfig, ContractCatalog.of(List.of(contract)), new SimpleMeterRegistry(), ProductTransform.NONE);
             SinkService sink = LakeSink.start(sinkConfig, ContractCatalog.of(List.of(contract)), new SimpleMeterRegistry());
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kit.producerConfig(), new ByteArraySerializer(), new ByteArraySerializer())) {
            // Traffic throughout: 5 payments every 100 ms on another thread, before, during and a while after the replace.
            java.util.concurrent.atomic.AtomicInteger sent = new java.util.concurrent.atomic.AtomicInteger();
            var traffic = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
            try {
                traffic.scheduleAtFixedRate(() -> {
                    for (int k = 0; k < 5 && sent.get() < stopAt.get(); k++) {
                        int n = sent.getAndIncrement();
                        GenericRecord r = samples.valid(100_000 + n, base.plus(n % 2, ChronoUnit.DAYS));
                        producer.send(new ProducerRecord<>(contract.rawTopic(), r.get("transaction_id").toString().getBytes(StandardCharsets.UTF_8),
                                WireFormat.encode(writerId, contract.avroSchema(), r)));
                    }
                    producer.flush();
                }, 0, 100, TimeUnit.MILLISECONDS);
                // Waiting reads the logs' row counts (cheap); what is asserted is read with Delta Kernel.
                org.apache.hadoop.conf.Configuration conf = new org.apache.hadoop.conf.Configuration();
                await("some history in both tables").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                        .until(() -> LakeTables.rowCount(bronzePath, conf) >= 150 && LakeTables.rowCount(livePath, conf) >= 100);
                KernelTable.Contents before = KernelTable.read(livePath);
                BackfillJob.Summary replaced = Backfill.run(contract, gateConfig, Backfill.Options.replacing(lake.toString(), null, Duration.ofSeconds(60)),
                        BackfillJob.Progress.NONE);
                int sentAtReplace = sent.get();
                assertThat(sentAtReplace).as("the replace ran while traffic still flowed").isLessThan(most);
                stopAt.set(sentAtReplace + 100);
                replacedVersion[0] = replaced.tableVersion();
                KernelTable.Contents atReplace = KernelTable.readVersion(livePath, replaced.tableVersion());
                assertThat(atReplace.column("transaction_id")).doesNotHaveDuplicates().hasSize((int) replaced.silverRows());
                assertThat(atReplace.paths()).as("an overwrite: no file of before survives").doesNotContainAnyElementsOf(before.paths());
                await("the sink goes on on top of the replace").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                        .until(() -> sent.get() >= stopAt.get() && LakeTables.rowCount(livePath, conf) >= stopAt.get());
                await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).until(() -> LakeTables.rowCount(livePath, conf) == stopAt.get());
            } finally {
                traffic.shutdownNow();
            }
        }
        for (int n = 0; n < stopAt.get(); n++) {
            ids.add(samples.valid(100_000 + n, base.plus(n % 2, ChronoUnit.DAYS)).get("transaction_id").toString());
        }
        KernelTable.Contents after = KernelTable.read(livePath);
        assertThat(after.column("transaction_id")).hasSize(stopAt.get()).doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(ids.subList(0, stopAt.get()));
        assertThat(after.version()).as("the sink committed on top of the replace").isGreaterThan(replacedVersion[0]);
    }

    private static BigDecimal amount(GenericRecord r) {
        ByteBuffer b = ((ByteBuffer) r.get("amount")).duplicate();
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return new BigDecimal(new BigInteger(bytes), 2);
    }

    /** The repo's payments contract in its own domain; {@code strict}: amounts must stay under 1,000 (the wrong rule). */
    private static Path writeContract(Path root, String domain, boolean strict) throws Exception {
        Path source = Path.of("").toAbsolutePath().getParent().resolve("schemas/payments/transactions/v1");
        Path target = root.resolve(domain).resolve("transactions/v1");
        Files.createDirectories(target);
        try (Stream<Path> files = Files.list(source)) {
            for (Path f : files.toList()) {
                String text = Files.readString(f).replace("id: payments.transactions", "id: " + domain + ".transactions")
                        .replace("domain: payments", "domain: " + domain);
                if (strict) {
                    text = text.replace("    max: 1000000\n", "    max: " + STRICT_MAX.toPlainString() + "\n");
                }
                Files.writeString(target.resolve(f.getFileName()), text);
            }
        }
        return root;
    }

    /** This contract's dead letters on spine.dlq, read_committed from the beginning. */
    private static List<DeadLetter> deadLetters(SpineTestKit kit, RegistrySchemas registry, String contract) throws Exception {
        List<DeadLetter> out = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(kit.consumerConfig(SpineTestKit.uniqueName("bf-dlq")), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = consumer.partitionsFor(Topics.DLQ).stream().map(p -> new TopicPartition(Topics.DLQ, p.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts);
            while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    var writer = registry.byContentId(WireFormat.schemaId(r.value()).orElseThrow());
                    GenericRecord g = new GenericDatumReader<GenericRecord>(writer, DeadLetterCodec.SCHEMA).read(null,
                            DecoderFactory.get().binaryDecoder(r.value(), WireFormat.HEADER_LENGTH, r.value().length - WireFormat.HEADER_LENGTH, null));
                    DeadLetter d = DeadLetterCodec.fromAvro(g);
                    if (contract.equals(d.contract())) {
                        out.add(d);
                    }
                }
            }
        }
        return out;
    }
}
