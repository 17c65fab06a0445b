package io.meshspine.sink.internal;

import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bounded upsert state and the bounded dedup set against the plain in-memory answer: the same result however
 * small the memory bound (spilling after every change; more than 64 runs merged), for changes of one log, of two
 * logs, without sequences, and deletes.
 */
class UpsertStateTest {

    private static final Schema ROW = SchemaBuilder.record("Row").fields().requiredString("id").requiredLong("n")
            .optionalString(SourceSequence.COLUMN).endRecord();
    private static final String[] LOGS = {"postgres:crm@", "mariadb:crm/bin@"};

    @Test
    void spilled_state_folds_every_key_as_a_sequential_read_does() {
        Random random = new Random(17);
        List<Object[]> changes = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            BusinessKey key = new BusinessKey(List.of("k" + random.nextInt(300)));
            int kind = random.nextInt(10);
            String seq = kind == 0 ? null : LOGS[kind == 1 ? 1 : 0] + String.format("%020d", random.nextInt(1_000));
            SilverRows.KeyChange c;
            if (random.nextInt(6) == 0) {
                c = new SilverRows.Change.Delete(key, seq);
            } else {
                GenericRecord row = new GenericData.Record(ROW);
                row.put("id", key.values().get(0));
                row.put("n", (long) i);
                row.put(SourceSequence.COLUMN, seq);
                c = new SilverRows.Change.Upsert(key, row, seq);
            }
            changes.add(new Object[]{key, c});
        }
        // The plain answer: every change folded in read order.
        Map<BusinessKey, SilverRows.KeyChange> expected = new TreeMap<>();
        for (Object[] kc : changes) {
            BusinessKey k = (BusinessKey) kc[0];
            SilverRows.KeyChange c = (SilverRows.KeyChange) kc[1];
            if (NewestChange.replaces(expected.get(k), c)) {
                expected.put(k, c);
            }
        }
        for (int inMemory : new int[]{1_000_000, 50, 1}) {
            try (SpillDirectory spill = new SpillDirectory("upsert-state-test")) {
                UpsertState state = new UpsertState(inMemory, spill, ROW, List.of("id"));
                long ordinal = 0;
                for (Object[] kc : changes) {
                    state.add((BusinessKey) kc[0], (SilverRows.KeyChange) kc[1], ordinal++);
                }
                Map<BusinessKey, String> got = new LinkedHashMap<>();
                UpsertState.Merged merged = UpsertState.merge(List.of(state));
                for (int walk = 0; walk < 2; walk++) {
                    got.clear();
                    merged.forEach((k, c) -> got.put(k, describe(c)));
                    Map<BusinessKey, String> want = new LinkedHashMap<>();
                    expected.forEach((k, c) -> want.put(k, describe(c)));
                    assertThat(got).as("memory bound %d, walk %d", inMemory, walk).containsExactlyEntriesOf(want);
                }
                if (inMemory == 1) {
                    assertThat(state.spills()).as("runs written and merged past the limit").isGreaterThan(UpsertState.MAX_RUNS + 1);
                } else if (inMemory == 1_000_000) {
                    assertThat(state.spills()).isZero();
                }
                state.close();
            }
        }
    }

    @Test
    void tombstones_meet_the_rebuilt_state_in_one_walk_by_key_however_small_the_bound() {
        Random random = new Random(23);
        // Per key: its newest change (from a state of changes) and the tombstones seen for it (newest per log).
        Map<BusinessKey, String> wantChange = new TreeMap<>();
        Map<BusinessKey, List<String>> wantTombs = new TreeMap<>();
        List<Object[]> changes = new ArrayList<>();
        List<Object[]> tombs = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            BusinessKey key = new BusinessKey(List.of("k" + random.nextInt(400)));
            String seq = LOGS[0] + String.format("%020d", i);
            if (random.nextBoolean()) {
                changes.add(new Object[]{key, new SilverRows.Change.Delete(key, seq)});
                wantChange.put(key, "delete @" + seq);
            } else {
                tombs.add(new Object[]{key, seq});
                wantTombs.put(key, List.of(seq)); // later ones of one log stand for earlier ones
            }
        }
        for (int inMemory : new int[]{1_000_000, 7, 1}) {
            try (SpillDirectory spill = new SpillDirectory("upsert-state-test");
                 UpsertState state = new UpsertState(inMemory, spill, ROW, List.of("id"));
                 UpsertState held = new UpsertState(inMemory, spill, ROW, List.of("id"))) {
                long ordinal = 0;
                for (Object[] kc : changes) {
                    state.add((BusinessKey) kc[0], (SilverRows.KeyChange) kc[1], ordinal++);
                }
                for (Object[] t : tombs) {
                    held.addTombstone((BusinessKey) t[0], (String) t[1]);
                }
                Map<BusinessKey, String> gotChange = new TreeMap<>();
                Map<BusinessKey, List<String>> gotTombs = new TreeMap<>();
                List<BusinessKey> order = new ArrayList<>();
                UpsertState.merge(List.of(state)).forEach(held, (k, c, t) -> {
                    order.add(k);
                    if (c != null) {
                        gotChange.put(k, describe(c));
                    }
                    if (!t.isEmpty()) {
                        // Across spilled runs a key may keep older tombstones beside its newest: what decides is the newest.
                        gotTombs.put(k, List.of(t.stream().filter(x -> Tombstones.newestAfter(t, x) == null).findFirst().orElseThrow()));
                    }
                });
                assertThat(order).as("each key once, in key order").isSorted().doesNotHaveDuplicates();
                assertThat(gotChange).as("memory bound %d", inMemory).isEqualTo(wantChange);
                assertThat(gotTombs).as("memory bound %d", inMemory).isEqualTo(wantTombs);
            }
        }
    }

    @Test
    void spilled_identities_are_known_exactly_and_come_back_from_a_saved_chunk() throws Exception {
        Random random = new Random(5);
        List<byte[]> ids = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            byte[] id = new byte[16];
            random.nextBytes(id);
            ids.add(id);
        }
        try (SpillDirectory spill = new SpillDirectory("identities-test");
             BackfillIdentities set = new BackfillIdentities(1_000, ids.size(), spill)) {
            BackfillIdentities.Chunk saved = new BackfillIdentities.Chunk();
            for (byte[] id : ids.subList(0, 10_000)) {
                assertThat(set.add(id)).isTrue();
                saved.add(id);
            }
            assertThat(set.runs()).as("spilled").isGreaterThanOrEqualTo(9);
            for (byte[] id : ids.subList(0, 10_000)) {
                assertThat(set.contains(id)).isTrue();
                assertThat(set.add(id)).as("a re-send").isFalse();
            }
            for (byte[] id : ids.subList(10_000, 20_000)) {
                assertThat(set.contains(id)).as("never added").isFalse();
            }
            assertThat(set.size()).isEqualTo(10_000);
            // A resumed run reads a chunk's saved identities back into a fresh set.
            Path file = Files.createTempFile("identities", ".bin");
            try (var out = new java.io.DataOutputStream(Files.newOutputStream(file))) {
                saved.write(out);
            }
            try (BackfillIdentities resumed = new BackfillIdentities(700, ids.size(), spill);
                 var in = new java.io.DataInputStream(Files.newInputStream(file))) {
                resumed.readInto(in);
                assertThat(resumed.runs()).isGreaterThan(0);
                assertThat(ids.subList(0, 10_000)).allMatch(resumed::contains);
                assertThat(ids.subList(10_000, 20_000)).noneMatch(resumed::contains);
            } finally {
                Files.delete(file);
            }
        }
    }

    private static String describe(SilverRows.KeyChange c) {
        return (c.row() == null ? "delete" : "row n=" + c.row().get("n")) + " @" + c.sequence();
    }
}
