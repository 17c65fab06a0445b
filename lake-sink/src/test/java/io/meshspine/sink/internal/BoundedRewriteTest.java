package io.meshspine.sink.internal;

import io.meshspine.testkit.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import io.meshspine.testkit.KernelTable;

/**
 * A copy-on-write rewrite stays bounded: an upsert batch touching keys in every file of a table whose rows, held as
 * records, need several times the heap, rewritten in a JVM with a 96 MB heap into files of the target size (never one
 * file per partition). Read back with Delta Kernel.
 */
class BoundedRewriteTest {

    private static final long ROWS = 300_000;
    private static final int FILES = 6;
    private static final long TARGET_BYTES = 1024 * 1024;

    @Test
    void an_upsert_touching_every_file_streams_the_rewrite_into_target_size_files_in_a_small_heap(@TempDir Path dir) throws Exception {
        Path table = dir.resolve("wide");
        Path log = dir.resolve("rewrite.log");
        List<String> command = ChildJvm.command(dir.resolve("jvm-tmp"), List.of("-Xmx96m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"),
                RewriteMain.class.getName(), table.toString(), Long.toString(ROWS), Integer.toString(FILES), Long.toString(TARGET_BYTES));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("the rewrite finishes").isTrue();
        } finally {
            p.destroyForcibly().waitFor();
        }
        String out = Files.readString(log);
        assertThat(p.exitValue()).as("exit status; output:%n%s", out).isZero();
        Matcher m = Pattern.compile("RESULT removed=(\\d+) added=(\\d+) maxFileBytes=(\\d+)").matcher(out);
        assertThat(m.find()).as(out).isTrue();
        assertThat(Long.parseLong(m.group(1))).as("files rewritten: the batch touches every file").isEqualTo(FILES);
        long added = Long.parseLong(m.group(2));
        long maxBytes = Long.parseLong(m.group(3));
        assertThat(added).as("new files of the target size, more of them than the old ones").isGreaterThan(FILES);
        // A file closes at the first row past the target: at most a page per column beyond it, plus the footer.
        assertThat(maxBytes).as("largest new file").isLessThan(TARGET_BYTES + 256 * 1024);

        List<String> notes = KernelTable.strings(io.meshspine.sink.internal.Hadoop.qualify(table.toString()), "note");
        assertThat(notes).hasSize((int) ROWS);
        assertThat(notes.stream().filter("changed"::equals)).hasSize(FILES * RewriteMain.CHANGES_PER_FILE);
    }
}
