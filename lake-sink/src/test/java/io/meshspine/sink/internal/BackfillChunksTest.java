package io.meshspine.sink.internal;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class BackfillChunksTest {

    private static BronzeReader.BronzeFile file(String name, long rows) {
        return new BronzeReader.BronzeFile(name, rows, 0, 0);
    }

    @Test
    void consecutive_bronze_files_are_grouped_up_to_the_chunk_rows_and_a_larger_file_is_a_chunk_of_its_own() {
        List<BronzeReader.BronzeFile> files = List.of(file("a", 100), file("b", 100), file("c", 300), file("d", 50), file("e", 50));
        assertThat(BackfillJob.chunks(files, 200)).extracting(g -> g.stream().map(BronzeReader.BronzeFile::path).toList())
                .containsExactly(List.of("a", "b"), List.of("c"), List.of("d", "e"));
        assertThat(BackfillJob.chunks(files, 1)).hasSize(5).allMatch(g -> g.size() == 1);
        assertThat(BackfillJob.chunks(List.of(), 200)).isEmpty();
    }
}
