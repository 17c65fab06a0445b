package io.meshspine.sink.internal;

import io.meshspine.core.deadletter.DeadLetter;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * One writer thread of an append table: decodes its share of the batch's records (whole source partitions, so each
 * partition's order is kept) and streams the rows into its own open Parquet files. The consumer thread only polls and
 * hands records over, so decoding and Parquet encoding use the other cores. The bounded queue holds the consumer back
 * when the writers fall behind.
 */
final class WriterLane {

    /** What the lane wrote for a batch: its files, closed, and the records it refused. */
    record Written(List<ParquetFiles.WrittenFile> files, List<DeadLetter> refused) {
    }

    /**
     * Runs of up to max.poll.records (5,000) records each: one to write while the next waits is enough to keep the lane
     * busy; more would only hold polled records on the heap (each waiting run is about 2 MB).
     */
    private static final int QUEUE = 2;

    private final TableSpec spec;
    private final ParquetFiles files;
    private final BronzeRows bronze;
    private final SilverRows silver;
    private final int partitionPos;
    private final Schema partitionSchema;
    /** Written without a dictionary: key and hashed PII columns ({@link ParquetFiles#plainColumns}). */
    private final List<String> plainColumns;
    private final BlockingQueue<Runnable> queue = new ArrayBlockingQueue<>(QUEUE);
    private final Thread thread;
    // Touched only by the lane's thread.
    private final Map<String, ParquetFiles.OpenFile> openFiles = new LinkedHashMap<>();
    private final List<DeadLetter> refused = new ArrayList<>();
    private volatile RuntimeException failure;

    WriterLane(TableSpec spec, ParquetFiles files, BronzeRows bronze, SilverRows silver, int index) {
        this.spec = spec;
        this.files = files;
        this.bronze = bronze;
        this.silver = silver;
        this.partitionPos = spec.partitionColumn().map(c -> spec.rowSchema().getField(c).pos()).orElse(-1);
        this.partitionSchema = spec.partitionColumn().map(c -> DeltaSchemas.nonNull(c, spec.rowSchema().getField(c).schema())).orElse(null);
        this.plainColumns = bronze != null ? spec.keyColumns() : ParquetFiles.plainColumns(spec.contract(), spec.rowSchema());
        this.thread = new Thread(this::run, "spine-lake-writer-" + index + "-" + spec.name());
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void run() {
        while (true) {
            Runnable task;
            try {
                task = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            try {
                task.run();
            } catch (Throwable t) {
                // Never die silently with records queued: the failure surfaces at the batch's flush and stops the sink.
                failure = new IllegalStateException("writer of " + spec.name() + " failed: " + t, t);
            }
        }
    }

    /** Hands over a run of one source partition's records, in offset order (the list is not changed afterwards). */
    void submit(List<ConsumerRecord<byte[], byte[]>> run) {
        enqueue(() -> {
            for (ConsumerRecord<byte[], byte[]> r : run) {
                if (failure != null) {
                    return; // the batch is lost anyway; it is abandoned at the next flush
                }
                try {
                    process(r);
                } catch (RuntimeException e) {
                    failure = e;
                } catch (Error e) {
                    failure = new IllegalStateException("writer of " + spec.name() + " failed: " + e, e);
                }
            }
        });
    }

    private void process(ConsumerRecord<byte[], byte[]> r) {
        if (bronze != null) {
            write(bronze.row(r));
            return;
        }
        SilverRows.Change change = silver.change(r);
        if (change instanceof SilverRows.Change.Refused no) {
            refused.add(DeadLetters.sinkFailure(r, spec.contract(), spec.name(), no.reason()));
        } else if (change instanceof SilverRows.Change.Upsert u) {
            write(u.row());
        }
    }

    private void write(GenericRecord row) {
        String value = partitionPos < 0 ? "" : ParquetFiles.partitionValue(partitionSchema, row.get(partitionPos));
        ParquetFiles.OpenFile file = openFiles.get(value);
        if (file == null) {
            Map<String, String> partitionValues = new LinkedHashMap<>();
            spec.partitionColumn().ifPresent(c -> partitionValues.put(c, value));
            file = files.open(spec.path(), ParquetFiles.partitionDir(spec.partitionColumn(), value), partitionValues,
                    spec.rowSchema(), plainColumns);
            openFiles.put(value, file);
        }
        file.write(row);
    }

    /**
     * Closes the lane's files of the batch once its records are written, and hands them over; the lane then starts the
     * next batch. Completes with what failed in the lane, if anything did (the batch's files are then deleted).
     */
    CompletableFuture<Written> finish() {
        return submitCall(() -> {
            try {
                if (failure != null) {
                    throw failure;
                }
                List<ParquetFiles.WrittenFile> written = new ArrayList<>();
                try {
                    for (ParquetFiles.OpenFile f : openFiles.values()) {
                        written.add(f.close());
                    }
                } catch (RuntimeException e) {
                    files.deleteQuietly(spec.path(), written.stream().map(ParquetFiles.WrittenFile::path).toList());
                    throw e;
                }
                return new Written(written, List.copyOf(refused));
            } finally {
                openFiles.values().forEach(f -> f.abandonIfOpen());
                clear();
            }
        });
    }

    /** Drops the lane's part of the batch, files included. */
    void abandon() {
        call(() -> {
            openFiles.values().forEach(ParquetFiles.OpenFile::abandon);
            clear();
            return null;
        });
    }

    void close() {
        thread.interrupt();
    }

    private void clear() {
        openFiles.clear();
        refused.clear();
        failure = null;
    }

    private <T> T call(java.util.function.Supplier<T> task) {
        return await(submitCall(task), spec.name());
    }

    private <T> CompletableFuture<T> submitCall(java.util.function.Supplier<T> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        enqueue(() -> {
            try {
                result.complete(task.get());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    /** The lane's answer to a call: what it returned, or what it threw. */
    static <T> T await(CompletableFuture<T> result, String table) {
        try {
            return result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransientSinkException("interrupted while waiting for a writer of " + table, e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException("writer of " + table + " failed", e.getCause());
        }
    }

    private void enqueue(Runnable task) {
        try {
            while (!queue.offer(task, 1, java.util.concurrent.TimeUnit.SECONDS)) {
                if (!thread.isAlive()) {
                    throw new IllegalStateException("writer thread of " + spec.name() + " is gone");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransientSinkException("interrupted while handing a record to a writer of " + spec.name(), e);
        }
    }
}
