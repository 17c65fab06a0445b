package io.meshspine.sink.internal;

import org.apache.avro.generic.GenericRecord;

import java.util.List;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The rows of an upsert table rebuilt from Bronze (a backfill {@code --into} a new table, or {@code --replace} of the
 * live one) as the live sink would have left them, tombstones included. The rebuilt state ({@link UpsertState.Merged},
 * key-sorted spilled runs) is final for what Bronze holds, but not for what the table learnt elsewhere: a key deleted
 * by a change Bronze no longer holds, or erased ({@code SubjectDeletion}), is known by its {@link Tombstones} only.
 * <p>
 * One walk, in key order, over the rebuilt keys and the table's tombstones together (the tombstones are loaded into an
 * {@link UpsertState} of their own, so they spill like the rebuilt state and neither is held whole); the product tail
 * of a replace (few: what the gate passed since the snapshot) is folded on top of each key by {@link NewestChange}, as
 * the live sink would apply it. Then, per key, the live sink's rules:
 * <ul>
 *   <li>a result older (same source log) than one of the key's tombstones is not written: the key stays deleted;</li>
 *   <li>a delete with a sequence that no tombstone holds yet gets one, streamed into new tombstone files;</li>
 *   <li>otherwise the row (if any) is written.</li>
 * </ul>
 * {@link #write} commits the new tombstones before it returns, that is before the caller's main commit (as the sink
 * does: a crash between the two leaves tombstones whose deletes are applied again, never a delete without its
 * tombstone); the caller's commit sets the txn action {@link Tombstones#APP_ID} to the returned version, so the sink's
 * later commits (and a concurrent one, which conflicts) stay ordered after them.
 */
final class TombstonedRebuild {

    /**
     * What the walk wrote.
     *
     * @param rows             rows written
     * @param covered          keys whose rebuilt row (or delete) was older than one of their tombstones: not written
     * @param tombstones       new tombstones committed
     * @param tombstoneVersion the tombstone table's version holding every tombstone the walk saw or wrote (-1: none)
     */
    record Outcome(long rows, long covered, long tombstones, long tombstoneVersion) {
    }

    private final Tombstones tombstones;
    private final SpillDirectory spill;
    private final TableSpec spec;
    private final int memoryRows;

    /** @param memoryRows tombstones held in memory before they spill (the backfill's {@code --memory-rows}) */
    TombstonedRebuild(TableSpec spec, Tombstones tombstones, SpillDirectory spill, int memoryRows) {
        this.spec = spec;
        this.tombstones = tombstones;
        this.spill = spill;
        this.memoryRows = memoryRows;
    }

    /**
     * Walks the rebuilt state with {@code tail} on top (null: no tail; its keys are removed as they are walked), writes
     * each key's row to {@code rows} and commits the new tombstones. Can be called again (a replace planning again):
     * tombstones committed by an earlier call are then held and not written twice.
     */
    Outcome write(UpsertState.Merged latest, TreeMap<BusinessKey, List<SilverRows.KeyChange>> tail, Consumer<GenericRecord> rows) {
        long now = System.currentTimeMillis();
        long[] counts = new long[2]; // rows, covered
        try (UpsertState held = new UpsertState(memoryRows, spill, spec.rowSchema(), spec.keyColumns())) {
            long version = tombstones.readAll(t -> held.addTombstone(t.key(), t.sequence()));
            Tombstones.Writer fresh = tombstones.writer(now);
            try {
                latest.forEach(held, (key, rebuilt, deleted) -> {
                    List<SilverRows.KeyChange> onTop = tail == null ? null : tail.remove(key);
                    settle(key, onTop == null ? rebuilt : newest(rebuilt, onTop), deleted, rows, fresh, counts);
                });
                if (tail != null) {
                    // Keys of the tail that neither Bronze nor a tombstone knows.
                    tail.forEach((key, onTop) -> settle(key, newest(null, onTop), List.of(), rows, fresh, counts));
                }
            } catch (RuntimeException | Error e) {
                fresh.abandon();
                throw e;
            }
            long written = fresh.count();
            long committed = fresh.commit(version);
            return new Outcome(counts[0], counts[1], written, committed);
        }
    }

    private static void settle(BusinessKey key, SilverRows.KeyChange result, List<String> deleted, Consumer<GenericRecord> rows,
                               Tombstones.Writer fresh, long[] counts) {
        if (result == null) {
            return; // tombstones only: the key stays deleted, its tombstones stay as they are
        }
        if (Tombstones.newestAfter(deleted, result.sequence()) != null) {
            counts[1]++;
            return;
        }
        if (result.row() != null) {
            rows.accept(result.row());
            counts[0]++;
        } else if (result.sequence() != null && !Tombstones.holdsAt(deleted, result.sequence())) {
            fresh.write(new Tombstones.Tombstone(key, result.sequence()));
        }
    }

    /** The tail's changes on top of the rebuilt change, one by one by the live sink's rule ({@link NewestChange}). */
    static SilverRows.KeyChange newest(SilverRows.KeyChange rebuilt, List<SilverRows.KeyChange> tail) {
        SilverRows.KeyChange held = rebuilt;
        for (SilverRows.KeyChange c : tail) {
            if (NewestChange.replaces(held, c)) {
                held = c;
            }
        }
        return held;
    }
}
