package io.meshspine.sink.sparkbench;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.apache.spark.sql.avro.functions.from_avro;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sha2;

/**
 * The Spark peer of the backfill benchmark (issue 17): the batch job a Spark team would write to rebuild the payments
 * Silver table from its Bronze Delta table. It decodes the raw {@code _value} bytes (the registry's 5-byte header
 * checked and stripped, the body read with spark-avro against the contract's writer schema) rather than Bronze's decoded
 * columns, because a rebuild exists to re-read the raw records through the contract as it stands now: the decoded
 * columns are the reading at ingest time (null where it failed, ciphertext when Bronze encryption is on). Then the
 * contract's error rules in Spark SQL, {@code dropDuplicates} on the dedup identity ({@code transaction_id}), the PII
 * columns masked with {@code sha2} of key and value (a keyed hash, not the gate's HMAC-SHA256: Spark SQL has no HMAC
 * built in, and a UDF would be slower still), written as a new Delta table partitioned by {@code booking_date} as Silver
 * is. Records the rules refuse are left out, not dead-lettered (a Spark team would need a second write for that).
 *
 * <p>Args: {@code <bronze table> <writer schema .avsc> <allowed currencies file> <hash key> <target table>}. Prints one
 * RESULT line: Bronze rows read, Silver rows written, seconds of the job (after the session is up, from the read of
 * Bronze's log to the target's commit), Bronze rows/s, peak RSS, whole-JVM CPU seconds (the session's start included),
 * and the session's start in seconds.
 */
public final class SparkBackfillPeer {

    public static void main(String[] args) throws Exception {
        String bronzePath = args[0];
        String writerSchema = Files.readString(Path.of(args[1]));
        String[] currencies = Files.readString(Path.of(args[2])).trim().split(",");
        String hashKey = args[3];
        String target = args[4];

        long sessionStart = System.nanoTime();
        SparkSession spark = SparkSession.builder().appName("backfill-spark-peer").master("local[2]")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
                .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
                .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
                .getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        double sessionSeconds = (System.nanoTime() - sessionStart) / 1e9;

        // Timed from the read of Bronze's log (as our side's time includes its snapshot) to the target's commit.
        long start = System.nanoTime();
        Dataset<Row> bronze = spark.read().format("delta").load(bronzePath);
        Dataset<Row> decoded = bronze
                .where("_value IS NOT NULL AND length(_value) > 5 AND substring(_value, 1, 1) = X'00'")
                .select(from_avro(expr("substring(_value, 6, length(_value) - 5)"), writerSchema, Map.of("mode", "PERMISSIVE")).alias("r"))
                .where("r IS NOT NULL")
                .select(col("r.*"));
        Dataset<Row> passing = decoded.where(contractRules(currencies)).dropDuplicates("transaction_id");
        Dataset<Row> masked = passing
                .withColumn("account_number", sha2(concat(lit(hashKey), col("account_number")), 256))
                .withColumn("customer_id", sha2(concat(lit(hashKey), col("customer_id")), 256));
        masked.write().format("delta").mode("errorifexists").partitionBy("booking_date").save(target);
        double seconds = (System.nanoTime() - start) / 1e9;

        long bronzeRows = spark.read().format("delta").load(bronzePath).count();
        long silverRows = spark.read().format("delta").load(target).count();
        double cpu = ProcessHandle.current().info().totalCpuDuration().map(d -> d.toMillis() / 1e3).orElse(-1.0);
        System.out.printf("RESULT side=spark records=%d silverRows=%d seconds=%.3f rowsPerSecond=%.0f peakRssMb=%d cpuSeconds=%.1f"
                        + " sessionSeconds=%.1f%n", bronzeRows, silverRows, seconds, bronzeRows / seconds, SparkPeer.peakRssMb(), cpu, sessionSeconds);
        System.out.flush();
        spark.stop();
    }

    /** The payments contract's error-severity rules (schemas/payments/transactions/v1/contract.yaml) in Spark SQL; warn rules do not filter. */
    private static Column contractRules(String[] currencies) {
        return expr("""
                transaction_id IS NOT NULL AND trim(transaction_id) <> ''
                AND account_number IS NOT NULL AND trim(account_number) <> ''
                AND customer_id IS NOT NULL AND trim(customer_id) <> ''
                AND amount > 0 AND amount < 1000000
                AND direction IN ('DEBIT', 'CREDIT')
                AND occurred_at <= current_timestamp() + INTERVAL 5 MINUTES
                AND (fee_amount IS NULL OR fee_amount <= amount)
                """).and(col("currency").isin(Arrays.stream(currencies).map(String::trim).toArray()));
    }
}
