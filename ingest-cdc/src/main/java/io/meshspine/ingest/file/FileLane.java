package io.meshspine.ingest.file;

import io.meshspine.core.LineageHeaders;
import io.meshspine.core.SpineHeaders;
import io.meshspine.core.lineage.LineageEmitter;
import io.meshspine.core.lineage.LineageRun;
import io.meshspine.core.avro.RegistrySchemas;
import io.meshspine.core.avro.WireFormat;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.contract.CsvOptions;
import io.meshspine.core.contract.FileFormat;
import io.meshspine.core.contract.Lane;
import io.meshspine.core.contract.SourceBinding;
import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.core.deadletter.DeadLetterCodec;
import io.meshspine.core.deadletter.OriginalRecord;
import io.meshspine.core.registry.ApicurioClient;
import io.meshspine.core.registry.ContractRegistrar;
import io.meshspine.core.registry.RegistryUnavailableException;
import io.meshspine.core.topic.Topics;
import io.meshspine.ingest.file.internal.ContentHash;
import io.meshspine.ingest.file.internal.CountingInputStream;
import io.meshspine.ingest.file.internal.CsvRows;
import io.meshspine.ingest.file.internal.FileLedger;
import io.meshspine.ingest.file.internal.JsonLinesRows;
import io.meshspine.ingest.file.internal.LineReader;
import io.meshspine.ingest.file.internal.RowSource;
import io.meshspine.ingest.typing.RecordTyper;
import io.meshspine.ingest.typing.TextFormats;
import io.meshspine.ingest.typing.Typing;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The file lane: files dropped in the landing area under a file-lane contract's glob become Avro records on the
 * contract's raw topic (registry wire format, key = the business key), one per row, with lineage headers. Rows that
 * do not parse or type become DESERIALIZATION dead letters on {@code spine.dlq}, in the same transaction as the good
 * rows. A file is identified by the SHA-256 of its bytes: the ledger ({@code spine.ingest.files}) records its
 * progress in the same transactions as its rows, so an identical file is never ingested twice and a killed ingest
 * resumes after its last committed chunk without duplicates.
 *
 * <p>{@link #start} polls the landing area; {@link #open} gives a lane without polling, for {@link #ingest(Path)}.
 */
public final class FileLane implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(FileLane.class);

    /** The stage name dead letters of this lane carry. */
    public static final String STAGE = "file-lane";
    private static final byte[] SOURCE_FILE = SpineHeaders.utf8("file");

    /** The lane's life; every change is logged. */
    public enum State { READY, POLLING, BACKING_OFF, FENCED, CLOSED }

    private record Binding(Contract contract, PathMatcher matcher) {
    }

    /** What a contract needs for writing, resolved once: registry content ids and the compiled typer. */
    private record Writer(Contract contract, long valueId, long keyId, Schema keySchema, int[] keyPositions, RecordTyper typer,
                          byte[] contractVersion) {
    }

    private final FileLaneConfig config;
    private final Landing landing;
    private final List<Binding> bindings;
    private final FileLaneMetrics metrics;
    private final RegistrySchemas registry;
    private final FileLedger ledger;
    private final Map<Contract, Writer> writers = new ConcurrentHashMap<>();
    private volatile long dlqId = -1;
    private KafkaProducer<byte[], byte[]> producer;
    private volatile State state = State.READY;
    private ScheduledExecutorService poller;
    private Map<String, Landing.LandedFile> previousListing = Map.of();
    private final Set<String> unmatchedReported = new HashSet<>();
    private long backOffUntilNanos;
    private final LineageEmitter lineageEmitter;
    private final FileLineage lineage;
    /** Encrypts the line of a dead letter (contracts with PII); null: in clear. */
    private final io.meshspine.core.privacy.DeadLetterSealer sealer;

    private FileLane(FileLaneConfig config, List<Binding> bindings, FileLaneMetrics metrics, KafkaProducer<byte[], byte[]> producer,
                     FileLedger ledger) {
        this.config = config;
        this.landing = config.landingUri() != null ? new HadoopLanding(config.landingUri(), Map.of()) : new LocalLanding(config.landingRoot());
        this.bindings = bindings;
        this.metrics = metrics;
        this.registry = new RegistrySchemas(new ApicurioClient(config.registryUrl()));
        this.producer = producer;
        this.ledger = ledger;
        this.lineageEmitter = LineageEmitter.start(config.lineage(), metrics.registry());
        this.lineage = new FileLineage(lineageEmitter, config);
        this.sealer = config.privacy() == null || !config.privacy().encryptDeadLetters() ? null
                : io.meshspine.core.privacy.DeadLetterSealer.over(config.privacy(), Topics.PRIVACY_KEYS, config.clientProperties(),
                        ContractCatalog.of(bindings.stream().map(Binding::contract).toList()),
                        new io.meshspine.core.render.WireDecoder(registry));
    }

    /**
     * A lane ready to ingest, not polling: its transactional producer initialised (which fences and aborts whatever a
     * killed predecessor with the same transactional id left open) and the ledger read.
     */
    public static FileLane open(FileLaneConfig config, ContractCatalog catalog, MeterRegistry meters) {
        List<Binding> bindings = catalog.contracts().stream()
                .filter(c -> c.lane() == Lane.FILE)
                .sorted(Comparator.comparingInt(Contract::majorVersion).reversed())
                .map(c -> new Binding(c, FileSystems.getDefault().getPathMatcher("glob:" + ((SourceBinding.File) c.source()).landingGlob())))
                .toList();
        KafkaProducer<byte[], byte[]> producer = newProducer(config);
        try {
            FileLedger ledger = FileLedger.load(config.clientProperties(), Duration.ofSeconds(30));
            FileLane lane = new FileLane(config, bindings, new FileLaneMetrics(meters), producer, ledger);
            log.info("file lane ready landing={} contracts={} transactionalId={}", lane.landing.describe(),
                    bindings.stream().map(b -> b.contract().qualifiedName()).toList(), config.transactionalId());
            return lane;
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            throw e;
        }
    }

    /** A lane that lists the landing area every poll interval and ingests each file once it has stopped changing. */
    public static FileLane start(FileLaneConfig config, ContractCatalog catalog, MeterRegistry meters) {
        FileLane lane = open(config, catalog, meters);
        lane.poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "spine-file-lane");
            t.setDaemon(true);
            return t;
        });
        lane.changeState(State.POLLING);
        long every = config.pollInterval().toMillis();
        lane.poller.scheduleWithFixedDelay(lane::pollSafely, 0, every, TimeUnit.MILLISECONDS);
        return lane;
    }

    public State state() {
        return state;
    }

    /** The ledger's entry for a content hash, as this lane knows it. */
    public Optional<LedgerEntry> ledgerEntry(String hash) {
        return ledger.find(hash);
    }

    /** Ingests one file under the landing root now, as the contract whose landing glob matches it. */
    public FileOutcome ingest(Path file) throws IOException {
        if (!(landing instanceof LocalLanding local)) {
            throw new IllegalStateException("ingest(Path) takes a local file; this lane's landing area is " + landing.describe());
        }
        Landing.LandedFile landed = local.landed(file);
        Contract contract = contractFor(landed.path()).orElseThrow(() -> new IllegalArgumentException(
                "no file-lane contract's landing glob matches " + landed.path()));
        return ingest(landed, contract);
    }

    private Optional<Contract> contractFor(String relativePath) {
        Path p = Path.of(relativePath);
        return bindings.stream().filter(b -> b.matcher().matches(p)).map(Binding::contract).findFirst();
    }

    private void pollSafely() {
        try {
            poll();
        } catch (RuntimeException | IOException e) {
            // A scheduled task that throws is never run again: everything is caught here, the one place.
            log.warn("file lane poll failed landing={} error={}", landing.describe(), e.toString());
        }
    }

    private void poll() throws IOException {
        if (state == State.FENCED || state == State.CLOSED) {
            return;
        }
        if (state == State.BACKING_OFF) {
            if (System.nanoTime() < backOffUntilNanos) {
                return;
            }
            changeState(State.POLLING);
        }
        Map<String, Landing.LandedFile> listing = new HashMap<>();
        for (Landing.LandedFile file : landing.list()) {
            listing.put(file.path(), file);
        }
        Map<String, Landing.LandedFile> previous = previousListing;
        previousListing = listing;
        for (Landing.LandedFile file : listing.values().stream()
                .sorted(Comparator.comparingLong(Landing.LandedFile::modifiedMillis).thenComparing(Landing.LandedFile::path)).toList()) {
            if (!file.equals(previous.get(file.path()))) {
                continue; // new or still growing: taken once two listings agree
            }
            Optional<Contract> contract = contractFor(file.path());
            if (contract.isEmpty()) {
                if (unmatchedReported.add(file.path())) {
                    log.info("file left in place file={} reason=no file-lane contract's landing glob matches it", file.path());
                }
                continue;
            }
            try {
                ingest(file, contract.get());
            } catch (LaneUnavailableException | RegistryUnavailableException e) {
                backOffUntilNanos = System.nanoTime() + config.retryBackoff().toNanos();
                log.warn("file lane backing off file={} backoffMs={} error={}", file.path(), config.retryBackoff().toMillis(), e.toString());
                changeState(State.BACKING_OFF);
                previousListing = Map.of();
                return;
            }
        }
    }

    /**
     * Ingests one landed file as the given contract: skip, resume, or start it; then archive or quarantine it. One
     * lineage run per call: COMPLETE, or FAIL when quarantined or when a fault stopped it (a later attempt is a new run).
     */
    public synchronized FileOutcome ingest(Landing.LandedFile file, Contract contract) throws IOException {
        if (state == State.FENCED || state == State.CLOSED) {
            throw new IllegalStateException("file lane is " + state);
        }
        LineageRun run = lineage.begin(file, contract);
        try {
            FileOutcome outcome = ingestOnce(file, contract);
            lineage.ended(run, file, contract, outcome);
            return outcome;
        } catch (IOException e) {
            lineage.failed(run, file, contract, new java.io.UncheckedIOException(e));
            throw e;
        } catch (RuntimeException e) {
            lineage.failed(run, file, contract, e);
            throw e;
        }
    }

    private FileOutcome ingestOnce(Landing.LandedFile file, Contract contract) throws IOException {
        String hash;
        try {
            hash = ContentHash.sha256(landing.open(file));
        } catch (IOException e) {
            return quarantine(file, null, contract, null, "cannot be read: " + e);
        }
        Optional<LedgerEntry> before = ledger.find(hash);
        if (before.isPresent() && before.get().state() == FileState.DONE) {
            LedgerEntry done = before.get();
            String moved = landing.archive(file);
            metrics.fileSkipped(contract.qualifiedName());
            String reason = "identical to " + done.file() + ", ingested " + done.updatedAt();
            log.info("file skipped file={} hash={} reason=\"{}\" movedTo={}", file.path(), hash, reason, moved);
            return new FileOutcome(file.path(), hash, contract.qualifiedName(), FileOutcome.Result.SKIPPED_DUPLICATE, 0, 0, 0, moved, reason);
        }
        Optional<LedgerEntry> resume = before.filter(e -> e.state() == FileState.IN_PROGRESS);
        Writer writer = writer(contract);
        return transfer(file, hash, writer, resume);
    }

    private FileOutcome transfer(Landing.LandedFile file, String hash, Writer w, Optional<LedgerEntry> resume) throws IOException {
        Contract contract = w.contract();
        SourceBinding.File binding = (SourceBinding.File) contract.source();
        CsvOptions csv = binding.csv();
        Charset charset = binding.format() == FileFormat.CSV ? csv.encoding() : StandardCharsets.UTF_8;
        long committedLine = resume.map(LedgerEntry::lastLine).orElse(0L);
        long rows = resume.map(LedgerEntry::rows).orElse(0L);
        long deadLetters = resume.map(LedgerEntry::deadLetters).orElse(0L);
        if (resume.isPresent()) {
            log.info("file resumed file={} hash={} afterLine={} rows={} deadLetters={}", file.path(), hash, committedLine, rows, deadLetters);
        } else {
            log.info("file started file={} hash={} contract={} bytes={}", file.path(), hash, contract.qualifiedName(), file.size());
        }
        CountingInputStream counted = new CountingInputStream(landing.open(file));
        LineReader lines = new LineReader(new InputStreamReader(counted, charset.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)), config.maxLineChars());
        RowSource rows0;
        try {
            if (binding.format() == FileFormat.CSV) {
                CsvRows.Opened opened = CsvRows.open(lines, csv, w.typer(), config.maxLineChars());
                if (opened.rows() == null) {
                    lines.close();
                    return quarantine(file, hash, contract, resume.orElse(null), String.join("; ", opened.problems()));
                }
                rows0 = opened.rows();
            } else {
                rows0 = new JsonLinesRows(lines, w.typer(), config.maxLineChars());
            }
        } catch (CharacterCodingException e) {
            lines.close();
            return quarantine(file, hash, contract, resume.orElse(null), notText(charset, lines));
        }
        FileContext fc = new FileContext(file.path(), hash, charset);
        long started = System.nanoTime();
        long nextProgress = started + config.progressInterval().toNanos();
        long chunkRows = 0;
        long chunkDead = 0;
        long lastLine = committedLine;
        boolean open = false;
        try (RowSource source = rows0) {
            if (committedLine > 0) {
                source.skipThrough(committedLine);
            }
            for (RowSource.Row row; (row = source.next()) != null; ) {
                if (!open) {
                    producer().beginTransaction();
                    open = true;
                }
                if (row.typing() instanceof Typing.Typed typed) {
                    producer.send(rawRecord(w, fc, row.line(), typed.record()));
                    chunkRows++;
                } else {
                    producer.send(deadLetter(w, fc, row, (Typing.Untyped) row.typing()));
                    chunkDead++;
                }
                lastLine = row.line();
                if (chunkRows + chunkDead >= config.chunkRows()) {
                    LedgerEntry progress = entry(fc, contract, FileState.IN_PROGRESS, lastLine, rows + chunkRows, deadLetters + chunkDead, null);
                    commit(progress);
                    open = false;
                    metrics.rowsCommitted(contract.qualifiedName(), chunkRows, chunkDead);
                    rows += chunkRows;
                    deadLetters += chunkDead;
                    committedLine = lastLine;
                    chunkRows = 0;
                    chunkDead = 0;
                }
                if (System.nanoTime() > nextProgress) {
                    nextProgress = System.nanoTime() + config.progressInterval().toNanos();
                    double seconds = (System.nanoTime() - started) / 1e9;
                    log.info("file progress file={} line={} rows={} deadLetters={} mb={} rowsPerSecond={}", file.path(), lastLine,
                            rows + chunkRows, deadLetters + chunkDead, counted.count() / 1_000_000,
                            Math.round((rows + chunkRows + deadLetters + chunkDead) / Math.max(seconds, 1e-3)));
                }
            }
            if (!open) {
                producer().beginTransaction();
                open = true;
            }
            commit(entry(fc, contract, FileState.DONE, lastLine, rows + chunkRows, deadLetters + chunkDead, null));
            open = false;
        } catch (IOException e) {
            // The bytes stopped being text (or the disk failed): rows committed so far stay, the rest is not readable.
            abortQuietly(open);
            String why = e instanceof CharacterCodingException
                    ? notText(charset, lines)
                    : "reading failed after line " + lastLine + ": " + e;
            LedgerEntry committed = entry(fc, contract, FileState.IN_PROGRESS, committedLine, rows, deadLetters, null);
            return quarantine(file, hash, contract, committed, why);
        } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException e) {
            fenced(e);
            throw new IllegalStateException("file lane stopped: " + e, e);
        } catch (KafkaException e) {
            resetProducer();
            throw new LaneUnavailableException("the transaction of " + file.path() + " after line " + committedLine + " failed: " + e, e);
        }
        metrics.rowsCommitted(contract.qualifiedName(), chunkRows, chunkDead);
        rows += chunkRows;
        deadLetters += chunkDead;
        metrics.fileDone(contract.qualifiedName());
        String moved = landing.archive(file);
        double seconds = (System.nanoTime() - started) / 1e9;
        log.info("file done file={} hash={} contract={} rows={} deadLetters={} seconds={} rowsPerSecond={} movedTo={}", file.path(), hash,
                contract.qualifiedName(), rows, deadLetters, String.format("%.1f", seconds),
                Math.round((rows + deadLetters) / Math.max(seconds, 1e-3)), moved);
        return new FileOutcome(file.path(), hash, contract.qualifiedName(), FileOutcome.Result.INGESTED, rows, deadLetters,
                resume.map(LedgerEntry::lastLine).orElse(0L), moved, null);
    }

    /** Decoding runs ahead of the rows (buffers), so the line is a lower bound of where the bad bytes are. */
    private static String notText(Charset charset, LineReader lines) {
        return "not " + charset.name() + " text (a malformed byte sequence after line " + lines.lineNumber() + ")";
    }

    /** What every record of one file shares, encoded once. */
    private record FileContext(String name, String hash, Charset charset, byte[] nameBytes, byte[] hashBytes, long hashHigh) {
        FileContext(String name, String hash, Charset charset) {
            this(name, hash, charset, SpineHeaders.utf8(name), SpineHeaders.utf8(hash), Long.parseUnsignedLong(hash.substring(0, 16), 16));
        }

        /** Deterministic per row, so a resumed or replayed row keeps its correlation id. */
        String correlationId(long line) {
            return new UUID(hashHigh, line).toString();
        }
    }

    private ProducerRecord<byte[], byte[]> rawRecord(Writer w, FileContext fc, long line, GenericRecord value) {
        byte[] key = null;
        if (w.keySchema() != null) {
            GenericData.Record k = new GenericData.Record(w.keySchema());
            for (int i = 0; i < w.keyPositions().length; i++) {
                k.put(i, value.get(w.keyPositions()[i]));
            }
            key = WireFormat.encode(w.keyId(), w.keySchema(), k);
        }
        byte[] body = WireFormat.encode(w.valueId(), w.contract().avroSchema(), value);
        return new ProducerRecord<>(w.contract().rawTopic(), null, key, body, headers(w, fc, line));
    }

    private static RecordHeaders headers(Writer w, FileContext fc, long line) {
        RecordHeaders h = new RecordHeaders();
        String lineText = Long.toString(line);
        h.add(SpineHeaders.SOURCE, SOURCE_FILE);
        h.add(SpineHeaders.SOURCE_POSITION, SpineHeaders.utf8(fc.hash() + ":" + lineText));
        h.add(SpineHeaders.CORRELATION_ID, SpineHeaders.utf8(fc.correlationId(line)));
        h.add(SpineHeaders.CONTRACT_VERSION, w.contractVersion());
        h.add(LineageHeaders.FILE_NAME, fc.nameBytes());
        h.add(LineageHeaders.FILE_LINE, SpineHeaders.utf8(lineText));
        h.add(LineageHeaders.FILE_HASH, fc.hashBytes());
        return h;
    }

    private ProducerRecord<byte[], byte[]> deadLetter(Writer w, FileContext fc, RowSource.Row row, Typing.Untyped why) {
        Contract contract = w.contract();
        RecordHeaders h = headers(w, fc, row.line());
        List<OriginalRecord.Header> headers = new ArrayList<>();
        h.forEach(header -> headers.add(new OriginalRecord.Header(header.key(), header.value())));
        Instant now = Instant.now();
        // No Kafka offset exists for a line of a file: the raw topic is where a repaired record belongs.
        OriginalRecord original = new OriginalRecord(contract.rawTopic(), null, null, now.toEpochMilli(), null,
                row.raw().getBytes(fc.charset()), headers);
        Map<String, String> context = new HashMap<>();
        context.put("file", fc.name());
        context.put("line", Long.toString(row.line()));
        context.put("file_hash", fc.hash());
        if (why.field() != null) {
            context.put("field", why.field());
        }
        if (why.column() > 0) {
            context.put("column", Integer.toString(why.column()));
        }
        DeadLetter.Origin origin = new DeadLetter.Origin(STAGE, original, contract.qualifiedName(), contract.version(),
                fc.correlationId(row.line()), 0, now, context);
        DeadLetter d = DeadLetter.undecodable(origin, fc.name() + " line " + row.line() + ", " + why.message());
        // The envelope's id for file rows is file:<hash>/<line> (dead_letter.avsc): unique and stable across resumes.
        DeadLetter identified = d.withId("file:" + fc.hash() + "/" + row.line());
        if (sealer != null) {
            // the line holds the row's PII in clear; it did not read, so it is sealed under the domain's key
            identified = sealer.seal(identified);
        }
        byte[] envelope = WireFormat.encode(dlqId(), DeadLetterCodec.SCHEMA, DeadLetterCodec.toAvro(identified));
        return new ProducerRecord<>(Topics.DLQ, (Integer) null, (byte[]) null, envelope, h);
    }

    private void commit(LedgerEntry entry) {
        producer.send(new ProducerRecord<>(Topics.INGEST_FILES, FileLedger.key(entry.hash()), entry.toJson()));
        producer.commitTransaction();
        ledger.committed(entry);
    }

    private static LedgerEntry entry(FileContext fc, Contract contract, FileState state, long lastLine, long rows, long deadLetters, String reason) {
        return new LedgerEntry(fc.hash(), state, fc.name(), contract.qualifiedName(), lastLine, rows, deadLetters, reason, Instant.now());
    }

    private FileOutcome quarantine(Landing.LandedFile file, String hash, Contract contract, LedgerEntry committed, String reason) throws IOException {
        if (hash != null) {
            LedgerEntry q = new LedgerEntry(hash, FileState.QUARANTINED, file.path(), contract.qualifiedName(),
                    committed == null ? 0 : committed.lastLine(), committed == null ? 0 : committed.rows(),
                    committed == null ? 0 : committed.deadLetters(), reason, Instant.now());
            try {
                producer().beginTransaction();
                commit(q);
            } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException e) {
                fenced(e);
                throw new IllegalStateException("file lane stopped: " + e, e);
            } catch (KafkaException e) {
                resetProducer();
                throw new LaneUnavailableException("recording the quarantine of " + file.path() + " failed: " + e, e);
            }
        }
        String moved = landing.quarantine(file, reason);
        metrics.fileQuarantined(contract.qualifiedName());
        log.warn("file quarantined file={} hash={} contract={} reason=\"{}\" movedTo={}", file.path(), hash, contract.qualifiedName(), reason, moved);
        return new FileOutcome(file.path(), hash, contract.qualifiedName(), FileOutcome.Result.QUARANTINED,
                committed == null ? 0 : committed.rows(), committed == null ? 0 : committed.deadLetters(),
                committed == null ? 0 : committed.lastLine(), moved, reason);
    }

    private Writer writer(Contract contract) {
        Writer w = writers.get(contract);
        if (w != null) {
            return w;
        }
        String group = contract.domain();
        long valueId = registry.contentIdFor(group, ContractRegistrar.valueArtifact(contract.rawTopic()), contract.avroSchema());
        Schema keySchema = contract.keys().isEmpty() ? null : contract.keySchema();
        long keyId = keySchema == null ? -1 : registry.contentIdFor(group, ContractRegistrar.keyArtifact(contract.rawTopic()), keySchema);
        int[] keyPositions = contract.keys().stream().mapToInt(k -> contract.avroSchema().getField(k).pos()).toArray();
        SourceBinding.File binding = (SourceBinding.File) contract.source();
        TextFormats formats = binding.format() == FileFormat.CSV ? TextFormats.of(binding.csv()) : TextFormats.ISO;
        w = new Writer(contract, valueId, keyId, keySchema, keyPositions, new RecordTyper(contract.avroSchema(), formats),
                SpineHeaders.utf8(contract.version()));
        writers.put(contract, w);
        return w;
    }

    private long dlqId() {
        if (dlqId < 0) {
            dlqId = DeadLetterCodec.contentId(registry);
        }
        return dlqId;
    }

    private KafkaProducer<byte[], byte[]> producer() {
        if (producer == null) {
            try {
                producer = newProducer(config);
            } catch (KafkaException e) {
                throw new LaneUnavailableException("the broker cannot be reached: " + e, e);
            }
        }
        return producer;
    }

    private static KafkaProducer<byte[], byte[]> newProducer(FileLaneConfig config) {
        Properties p = new Properties();
        p.putAll(config.clientProperties());
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, config.transactionalId());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        // A row up to maxLineChars, plus its dead letter (which carries the raw line): room for both.
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Math.max(1_048_576, 4 * config.maxLineChars() + 65_536));
        p.put(ProducerConfig.CLIENT_ID_CONFIG, config.transactionalId());
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        try {
            producer.initTransactions();
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            throw e;
        }
        return producer;
    }

    private void abortQuietly(boolean open) {
        if (!open || producer == null) {
            return;
        }
        try {
            producer.abortTransaction();
        } catch (KafkaException e) {
            resetProducer();
        }
    }

    private void resetProducer() {
        if (producer != null) {
            try {
                producer.close(Duration.ZERO);
            } catch (KafkaException ignored) {
                // closing a broken producer; a new one fences whatever it left open
            }
            producer = null;
        }
    }

    private void fenced(KafkaException e) {
        resetProducer();
        changeState(State.FENCED);
        log.error("file lane fenced transactionalId={} error={}: another lane instance took over, this one stops",
                config.transactionalId(), e.toString());
    }

    private synchronized void changeState(State next) {
        if (state != next) {
            log.info("file lane state from={} to={}", state, next);
            state = next;
        }
    }

    @Override
    public void close() {
        if (poller != null) {
            poller.shutdown();
            try {
                if (!poller.awaitTermination(30, TimeUnit.SECONDS)) {
                    poller.shutdownNow();
                }
            } catch (InterruptedException e) {
                poller.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            if (producer != null) {
                producer.close(Duration.ofSeconds(5));
                producer = null;
            }
            changeState(State.CLOSED);
        }
        lineageEmitter.close();
        if (sealer != null) {
            sealer.close();
        }
    }
}
