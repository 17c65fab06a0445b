package io.meshspine.sink;

import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.lineage.LineageEmitter;
import io.meshspine.core.registry.ApicurioClient;
import io.meshspine.gate.ContractGate;
import io.meshspine.gate.GateConfig;
import io.meshspine.gate.ProductTransform;
import io.meshspine.sink.internal.BackfillJob;
import io.meshspine.sink.internal.BronzeReader;
import io.meshspine.sink.internal.Hadoop;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@code spine lake backfill}: a contract's Silver table rebuilt from a fixed snapshot of its Bronze table through the
 * gate's decision code as the gate is configured now (its hash key, its record size limit) and the contract as it
 * stands now. Wiring only; {@link BackfillJob} does the work.
 */
public final class Backfill {

    /** Where the result goes when no {@code --into} is given: beside the live table, named after the Bronze version's time. */
    static final String SUFFIX = "_backfill_";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    /**
     * @param into the new table's path or URI; null: beside the live Silver table ({@code <name>_backfill_<ts>}), or the
     *             unfinished backfill of the same contract found there, which is resumed
     */
    /** Bronze rows per chunk unless told otherwise: few Silver files per partition value, and a resume loses little. */
    public static final long DEFAULT_CHUNK_ROWS = 262_144;

    /**
     * The memory bound unless told otherwise: 131,072 upsert changes (about 128 MB of decoded rows) and 1,048,576 dedup
     * identities (a 32 MB table) in memory before they spill to disk; what keeps a 10-million-row backfill in -Xmx512m.
     */
    public static final int DEFAULT_MEMORY_ROWS = 131_072;

    /**
     * @param workers    threads deciding records; 0: one per available core
     * @param chunkRows  Bronze rows per chunk (consecutive files, at least one each): the unit of resume and of Silver files
     * @param memoryRows upsert changes held in memory before they spill to disk (dedup identities: eight times as many)
     */
    public record Options(String lakeRoot, String into, String from, String to, boolean dryRun, boolean replace, Duration replaceWait,
                          int workers, long chunkRows, int memoryRows) {
        public Options {
            if (memoryRows < 1) {
                throw new IllegalArgumentException("memory rows must be at least 1, not " + memoryRows);
            }
            if (workers < 0) {
                throw new IllegalArgumentException("workers must be 0 (one per core) or more, not " + workers);
            }
            if (chunkRows < 1) {
                throw new IllegalArgumentException("chunk rows must be at least 1, not " + chunkRows);
            }
        }

        public Options(String lakeRoot, String into, String from, String to, boolean dryRun) {
            this(lakeRoot, into, from, to, dryRun, false, Duration.ofMinutes(2), 0, DEFAULT_CHUNK_ROWS, DEFAULT_MEMORY_ROWS);
        }

        /** {@code --replace}: the live table itself, replaced in one commit while the sink keeps writing. */
        public static Options replacing(String lakeRoot, String to, Duration gateWait) {
            return new Options(lakeRoot, null, null, to, false, true, gateWait, 0, DEFAULT_CHUNK_ROWS, DEFAULT_MEMORY_ROWS);
        }

        public Options withWorkers(int n) {
            return new Options(lakeRoot, into, from, to, dryRun, replace, replaceWait, n, chunkRows, memoryRows);
        }

        public Options withChunkRows(long rows) {
            return new Options(lakeRoot, into, from, to, dryRun, replace, replaceWait, workers, rows, memoryRows);
        }

        /** The memory bound: upsert changes held before spilling to disk (identities: eight times as many). */
        public Options withMemoryRows(int rows) {
            return new Options(lakeRoot, into, from, to, dryRun, replace, replaceWait, workers, chunkRows, rows);
        }
    }

    private Backfill() {
    }

    public static BackfillJob.Summary run(Contract contract, GateConfig gate, Options options, BackfillJob.Progress progress) {
        Configuration conf = Hadoop.configuration(Map.of());
        String bronzePath = LakeTables.path(options.lakeRoot(), LakeTables.bronzeName(contract));
        BronzeReader.Bound to = BronzeReader.Bound.parse(options.to());
        BronzeReader.Bound from = BronzeReader.Bound.parse(options.from());
        String live = LakeTables.path(options.lakeRoot(), LakeTables.silverName(contract));
        String target = options.replace() ? live : options.into() != null ? Hadoop.qualify(options.into())
                : unfinishedBeside(options.lakeRoot(), contract, conf)
                .orElseGet(() -> besideLive(options.lakeRoot(), contract, bronzePath, to, from, conf));
        RegistrySchemas schemas = new RegistrySchemas(new ApicurioClient(gate.registryUrl()));
        // One decision instance per worker (decoders and MACs are per instance); the first one here, so a registry that
        // does not know the contract's schemas stops the command before anything is read.
        Supplier<ContractGate> decisions = () -> new ContractGate(ContractCatalog.of(List.of(contract)), schemas, gate.hashKey(),
                gate.maxProductRecordBytes(), ProductTransform.NONE);
        decisions.get();
        int workers = options.workers() > 0 ? options.workers() : Runtime.getRuntime().availableProcessors();
        BackfillJob.Request request = new BackfillJob.Request(contract, bronzePath, target, to, from, options.dryRun(), options.replace(),
                gate.bootstrapServers(), gate.clientProperties(), gate.applicationId(), options.replaceWait(), workers, options.chunkRows(),
                options.memoryRows());
        // The backfill's run events go where the gate's go (the gate's settings file names the transport).
        java.util.Map<String, Object> client = new java.util.HashMap<>(gate.clientProperties());
        client.put("bootstrap.servers", gate.bootstrapServers());
        boolean seal = gate.privacy().encryptDeadLetters();
        try (LineageEmitter lineage = LineageEmitter.start(gate.lineage(), null)) {
            if (!encrypted(bronzePath, conf)) {
                // Bronze in clear, dead letters still sealed as the gate seals them (the sealer opens the keys on first need).
                try (var sealer = seal ? io.meshspine.core.privacy.DeadLetterSealer.over(gate.privacy(), io.meshspine.core.topic.Topics.PRIVACY_KEYS,
                        client, ContractCatalog.of(List.of(contract)), new io.meshspine.core.render.WireDecoder(schemas)) : null) {
                    return new BackfillJob(request, decisions, schemas, conf, lineage, null, sealer).run(progress);
                }
            }
            // An encrypted Bronze table is read with the privacy keys the gate is configured with (issue 16).
            try (var keys = gate.privacy().openKeyStore(io.meshspine.core.topic.Topics.PRIVACY_KEYS, client)) {
                var cipher = new io.meshspine.core.privacy.SubjectCipher(keys);
                // The sealer shares the cipher, whose key store is closed here, not by the sealer.
                return new BackfillJob(request, decisions, schemas, conf, lineage, cipher,
                        seal ? new io.meshspine.core.privacy.DeadLetterSealer(ContractCatalog.of(List.of(contract)),
                                new io.meshspine.core.render.WireDecoder(schemas), () -> cipher) : null).run(progress);
            }
        }
    }

    private static boolean encrypted(String bronzePath, Configuration conf) {
        io.delta.standalone.DeltaLog log = io.delta.standalone.DeltaLog.forTable(conf, bronzePath);
        return log.tableExists() && log.update().getMetadata().getSchema() != null
                && List.of(log.update().getMetadata().getSchema().getFieldNames()).contains(io.meshspine.sink.internal.BronzeRows.KEY_ID);
    }

    private static String besideLive(String lakeRoot, Contract contract, String bronzePath, BronzeReader.Bound to,
                                     BronzeReader.Bound from, Configuration conf) {
        Instant at = new BronzeReader(contract, bronzePath, conf, to, from).versionTimestamp();
        return LakeTables.path(lakeRoot, LakeTables.silverName(contract)) + SUFFIX + STAMP.format(at);
    }

    /** A backfill of this contract beside the live table that has a manifest and no table yet: cut off, to be resumed. */
    private static Optional<String> unfinishedBeside(String lakeRoot, Contract contract, Configuration conf) {
        String live = LakeTables.path(lakeRoot, LakeTables.silverName(contract));
        Path parent = new Path(live).getParent();
        String prefix = new Path(live).getName() + SUFFIX;
        try {
            FileSystem fs = parent.getFileSystem(conf);
            if (!fs.exists(parent)) {
                return Optional.empty();
            }
            for (FileStatus s : fs.listStatus(parent)) {
                Path p = s.getPath();
                if (s.isDirectory() && p.getName().startsWith(prefix) && fs.exists(new Path(p, "_backfill/run.json"))
                        && !fs.exists(new Path(p, "_delta_log"))) {
                    return Optional.of(parent.toString() + "/" + p.getName());
                }
            }
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + parent, e);
        }
    }
}
