package io.meshspine.sink.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.delta.standalone.DeltaLog;
import io.delta.standalone.Snapshot;
import io.delta.standalone.actions.AddFile;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.privacy.Decryption;
import io.meshspine.core.privacy.SubjectCipher;
import io.meshspine.gate.ContractGate;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The one way the backfill reads Bronze: a fixed snapshot of the table (time travel to a version or an instant), its
 * data files in source order, and each row back as the raw record it was ({@link ContractGate.RawRecord}: topic,
 * partition, offset, timestamp, key, value and header bytes). Only those columns are read (Parquet projection), not the
 * decoded payload columns. An encrypted Bronze table (issue 16: it has {@code _key_id}) is decrypted here with
 * {@link SubjectCipher}: {@code _value}, and {@code _key} when a key field is PII. A row of an erased subject is left
 * out (its key was destroyed: there is nothing to rebuild it from) and counted; a key the key topic never held fails the
 * read ({@link io.meshspine.core.privacy.KeyStoreLostException}).
 */
public final class BronzeReader {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(BronzeReader.class);
    private static final List<String> RAW_COLUMNS = List.of(BronzeRows.TOPIC, BronzeRows.PARTITION, BronzeRows.OFFSET,
            BronzeRows.TIMESTAMP, BronzeRows.KEY, BronzeRows.VALUE, BronzeRows.HEADERS);

    /** One data file of the snapshot, with what its statistics say about it. */
    public record BronzeFile(String path, long rows, int minPartition, long minOffset) {
    }

    /** Where a bound of {@code --from}/{@code --to} points: a Bronze version, or an instant (the version as of then). */
    public sealed interface Bound permits Bound.Version, Bound.AsOf, Bound.Latest {
        record Version(long version) implements Bound {
        }

        record AsOf(Instant instant) implements Bound {
        }

        record Latest() implements Bound {
        }

        /** {@code 12} is a version; {@code 2026-12-01T10:00:00Z} an instant. */
        static Bound parse(String text) {
            if (text == null || text.isBlank()) {
                return new Latest();
            }
            if (text.chars().allMatch(Character::isDigit)) {
                return new Version(Long.parseLong(text));
            }
            try {
                return new AsOf(Instant.parse(text));
            } catch (java.time.format.DateTimeParseException e) {
                throw new IllegalArgumentException("'" + text + "' is neither a Bronze version (a number) nor an ISO-8601 instant");
            }
        }
    }

    private final String tablePath;
    private final DeltaLog log;
    private final ParquetFiles files;
    private final Schema projection;
    private final Snapshot snapshot;
    private final List<BronzeFile> selected;
    /** Null when the table is in clear. */
    private final SubjectCipher cipher;
    private final boolean keyEncrypted;
    private final boolean encrypted;
    private final java.util.concurrent.atomic.AtomicLong erasedRows = new java.util.concurrent.atomic.AtomicLong();

    /**
     * @param to   the snapshot read (a version, the version as of an instant, or the latest)
     * @param from files already in this snapshot are left out; {@link Bound.Latest} here means no lower bound
     */
    public BronzeReader(Contract contract, String tablePath, Configuration conf, Bound to, Bound from) {
        this(contract, tablePath, conf, to, from, null);
    }

    /** @param cipher decrypts an encrypted table (null: the table must be in clear) */
    public BronzeReader(Contract contract, String tablePath, Configuration conf, Bound to, Bound from, SubjectCipher cipher) {
        this.tablePath = tablePath;
        this.log = DeltaLog.forTable(conf, tablePath);
        if (!log.tableExists()) {
            throw new IllegalArgumentException("no Bronze table at " + tablePath + " for " + contract.qualifiedName());
        }
        this.files = new ParquetFiles(conf);
        Schema full = BronzeRows.schema(contract);
        List<Schema.Field> fields = new ArrayList<>();
        for (String c : RAW_COLUMNS) {
            Schema.Field f = full.getField(c);
            fields.add(new Schema.Field(f.name(), f.schema(), f.doc(), f.defaultVal()));
        }
        this.projection = Schema.createRecord(full.getName(), full.getDoc(), full.getNamespace(), false, fields);
        this.snapshot = snapshot(to);
        boolean encrypted = snapshot.getMetadata().getSchema() != null
                && java.util.Arrays.asList(snapshot.getMetadata().getSchema().getFieldNames()).contains(BronzeRows.KEY_ID);
        this.encrypted = encrypted;
        this.cipher = encrypted ? cipher : null;
        this.keyEncrypted = encrypted && contract.keys().stream().anyMatch(k -> contract.piiField(k).isPresent());
        Set<String> before = new HashSet<>();
        if (!(from instanceof Bound.Latest)) {
            snapshot(from).getAllFiles().forEach(f -> before.add(f.getPath()));
        }
        List<BronzeFile> chosen = new ArrayList<>();
        for (AddFile f : snapshot.getAllFiles()) {
            if (!before.contains(f.getPath())) {
                chosen.add(describe(f));
            }
        }
        // Source order: by partition, then offset. The sink writes each source partition's records in offset order
        // into its files, so reading files by their first offset keeps each partition's order (what dedup and upserts
        // need) unless a compaction merged batches of one partition that another file interleaves.
        chosen.sort(Comparator.comparingInt(BronzeFile::minPartition).thenComparingLong(BronzeFile::minOffset)
                .thenComparing(BronzeFile::path));
        this.selected = List.copyOf(chosen);
    }

    private Snapshot snapshot(Bound b) {
        if (b instanceof Bound.Version v) {
            return log.getSnapshotForVersionAsOf(v.version());
        }
        if (b instanceof Bound.AsOf a) {
            return log.getSnapshotForTimestampAsOf(a.instant().toEpochMilli());
        }
        return log.update();
    }

    /** The Bronze version read: the fixed input of the backfill. */
    public long version() {
        return snapshot.getVersion();
    }

    /** When that version was committed. */
    public Instant versionTimestamp() {
        var info = log.getCommitInfoAt(snapshot.getVersion());
        return Instant.ofEpochMilli(info.getTimestamp().getTime());
    }

    public List<BronzeFile> files() {
        return selected;
    }

    public long totalRows() {
        return selected.stream().mapToLong(BronzeFile::rows).sum();
    }

    /** Every row of one file, as the raw record it was, in the file's order. */
    public void read(BronzeFile file, Consumer<ContractGate.RawRecord> records) {
        if (encrypted && cipher == null) {
            throw new IllegalStateException("the Bronze table " + tablePath + " is encrypted (it has " + BronzeRows.KEY_ID
                    + "): reading its rows needs the privacy keys (privacy.master-key and the key topic)");
        }
        long erasedBefore = erasedRows.get();
        files.readColumns(tablePath, file.path(), projection, row -> {
            ContractGate.RawRecord raw = raw(row);
            if (cipher != null) {
                raw = decrypted(raw);
            }
            if (raw != null) {
                records.accept(raw);
            }
        });
        if (erasedRows.get() > erasedBefore) {
            LOG.info("bronze rows of erased subjects left out file={} rows={}", file.path(), erasedRows.get() - erasedBefore);
        }
    }

    /** Rows left out so far because their subject was erased. */
    public long erasedRows() {
        return erasedRows.get();
    }

    /** The raw record with its bytes decrypted, or null when its subject was erased. */
    private ContractGate.RawRecord decrypted(ContractGate.RawRecord r) {
        byte[] value = r.value();
        if (value != null) {
            if (!(cipher.decrypt(value) instanceof Decryption.Plain plain)) {
                erasedRows.incrementAndGet();
                return null;
            }
            value = plain.bytes();
        }
        byte[] key = r.key();
        if (key != null && keyEncrypted) {
            if (!(cipher.decrypt(key) instanceof Decryption.Plain plain)) {
                erasedRows.incrementAndGet();
                return null;
            }
            key = plain.bytes();
        }
        return new ContractGate.RawRecord(r.topic(), r.partition(), r.offset(), r.timestamp(), key, value, r.headers());
    }

    private static ContractGate.RawRecord raw(GenericRecord row) {
        RecordHeaders headers = new RecordHeaders();
        @SuppressWarnings("unchecked")
        List<GenericRecord> hs = (List<GenericRecord>) row.get(6);
        if (hs != null) {
            for (GenericRecord h : hs) {
                headers.add(String.valueOf(h.get(0)), bytes(h.get(1)));
            }
        }
        long micros = (Long) row.get(3);
        return new ContractGate.RawRecord(String.valueOf(row.get(0)), (Integer) row.get(1), (Long) row.get(2),
                Math.floorDiv(micros, 1000L), bytes(row.get(4)), bytes(row.get(5)), headers);
    }

    private static byte[] bytes(Object o) {
        if (o == null) {
            return null;
        }
        ByteBuffer b = ((ByteBuffer) o).duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    private static BronzeFile describe(AddFile f) {
        long rows = TableFacts.numRecords(f);
        int minPartition = Integer.MAX_VALUE;
        long minOffset = Long.MAX_VALUE;
        if (f.getStats() != null) {
            try {
                JsonNode min = JSON.readTree(f.getStats()).path("minValues");
                if (min.has(BronzeRows.PARTITION)) {
                    minPartition = min.get(BronzeRows.PARTITION).asInt();
                }
                if (min.has(BronzeRows.OFFSET)) {
                    minOffset = min.get(BronzeRows.OFFSET).asLong();
                }
            } catch (IOException e) {
                // no usable statistics: the file sorts last, its rows are read all the same
            }
        }
        return new BronzeFile(f.getPath(), rows, minPartition, minOffset);
    }
}
