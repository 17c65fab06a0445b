package io.meshspine.sink.internal;

import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.testkit.SamplePayments;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which Silver columns are written with a Parquet dictionary, read back from a written file's footer: the key, hashed
 * PII, amounts and instants without one (a dictionary would only overflow), the low-cardinality columns with one.
 */
class SilverDictionaryColumnsTest {

    private static final Set<Encoding> DICTIONARY = Set.of(Encoding.PLAIN_DICTIONARY, Encoding.RLE_DICTIONARY);

    @TempDir
    Path table;

    @Test
    void keys_hashes_amounts_and_instants_are_plain_and_the_low_cardinality_columns_keep_their_dictionary() throws Exception {
        Contract payments = ContractCatalog.fromClasspath().latest("payments.transactions").orElseThrow();
        assertThat(ParquetFiles.plainColumns(payments, payments.avroSchema()))
                .containsExactlyInAnyOrder("transaction_id", "customer_id", "account_number", "amount", "fee_amount", "occurred_at");

        Configuration conf = Hadoop.configuration(Map.of());
        ParquetFiles parquet = new ParquetFiles(conf);
        ParquetFiles.OpenFile file = parquet.open(table.toUri().toString(), "", Map.of(), payments.avroSchema(),
                ParquetFiles.plainColumns(payments, payments.avroSchema()));
        SamplePayments samples = new SamplePayments(payments.avroSchema());
        for (int i = 0; i < 20_000; i++) {
            file.write(samples.valid(i, Instant.parse("2026-11-01T00:00:00Z").plusSeconds(i)));
        }
        ParquetFiles.WrittenFile written = file.close();
        assertThat(written.rows()).isEqualTo(20_000);

        Map<String, Set<Encoding>> encodings = new HashMap<>();
        try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(
                new org.apache.hadoop.fs.Path(table.resolve(written.path()).toUri()), conf))) {
            for (var block : reader.getFooter().getBlocks()) {
                for (ColumnChunkMetaData c : block.getColumns()) {
                    encodings.computeIfAbsent(c.getPath().toDotString(), k -> new java.util.HashSet<>()).addAll(c.getEncodings());
                }
            }
        }
        for (String plain : new String[] {"transaction_id", "customer_id", "account_number", "amount", "fee_amount", "occurred_at"}) {
            assertThat(encodings.get(plain)).as(plain + ": %s", encodings.get(plain)).doesNotContainAnyElementsOf(DICTIONARY);
        }
        for (String low : new String[] {"currency", "direction", "channel", "merchant_name", "merchant_category_code"}) {
            assertThat(encodings.get(low)).as(low + ": %s", encodings.get(low)).containsAnyElementsOf(DICTIONARY);
        }
    }
}
