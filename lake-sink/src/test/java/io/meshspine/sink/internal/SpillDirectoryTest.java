package io.meshspine.sink.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** A backfill killed with kill -9 leaves its spills behind; the next backfill deletes them, never a live one's. */
class SpillDirectoryTest {

    @Test
    void the_spills_of_a_process_that_no_longer_runs_are_deleted_and_a_running_ones_are_kept(@TempDir Path tmp) throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Path killed = Files.createDirectory(tmp.resolve(SpillDirectory.PREFIX + "payments.transactions.v1-" + gone.pid() + "-8812"));
        Files.write(killed.resolve("identities-1.spill"), new byte[4096]);
        Path running = Files.createDirectory(tmp.resolve(SpillDirectory.PREFIX + "payments.transactions.v1-"
                + ProcessHandle.current().pid() + "-991"));
        Path unrelated = Files.createDirectory(tmp.resolve("spine-backfill-without-a-pid-12"));

        assertThat(SpillDirectory.deleteLeftBehind(tmp)).isEqualTo(1);

        assertThat(killed).doesNotExist();
        assertThat(running).isDirectory();
        assertThat(unrelated).isDirectory();
    }

    @Test
    void a_spill_directory_names_its_process_and_is_deleted_when_closed() {
        Path file;
        try (SpillDirectory spill = new SpillDirectory("crm.customers.v1")) {
            file = spill.newFile("upsert");
            assertThat(file.getParent().getFileName().toString())
                    .startsWith(SpillDirectory.PREFIX + "crm.customers.v1-" + ProcessHandle.current().pid() + "-");
            assertThat(file.getParent()).isDirectory();
        }
        assertThat(file.getParent()).doesNotExist();
    }
}
