package io.meshspine.sink.sparkbench;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.DataStreamReader;
import org.apache.spark.sql.streaming.Trigger;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.apache.spark.sql.avro.functions.from_avro;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;

/**
 * The peer of the lake-sink benchmark: Spark Structured Streaming, Kafka to Delta, on the same product topic and into
 * the same columns (the registry's 5-byte header stripped, the value decoded with spark-avro against the contract's
 * schema, partitioned by booking_date). Args: bootstrap topic schemaFile table checkpointDir maxOffsetsPerTrigger(0 =
 * one batch) expectedRecords. Prints one RESULT line.
 */
public final class SparkPeer {

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        String topic = args[1];
        String schema = Files.readString(Path.of(args[2]));
        String table = args[3];
        String checkpoint = args[4];
        long maxOffsets = Long.parseLong(args[5]);
        long expected = Long.parseLong(args[6]);

        SparkSession spark = SparkSession.builder().appName("lake-sink-spark-peer").master("local[2]")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
                .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
                .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
                .getOrCreate();
        spark.sparkContext().setLogLevel("WARN");

        long start = System.nanoTime();
        DataStreamReader reader = spark.readStream().format("kafka").option("kafka.bootstrap.servers", bootstrap)
                .option("subscribe", topic).option("startingOffsets", "earliest").option("kafka.isolation.level", "read_committed");
        if (maxOffsets > 0) {
            reader = reader.option("maxOffsetsPerTrigger", maxOffsets);
        }
        Dataset<Row> rows = reader.load()
                .select(from_avro(expr("substring(value, 6, length(value) - 5)"), schema).alias("r"))
                .select(col("r.*"));
        rows.writeStream().format("delta").partitionBy("booking_date").option("checkpointLocation", checkpoint)
                .trigger(Trigger.AvailableNow()).start(table).awaitTermination();
        double seconds = (System.nanoTime() - start) / 1e9;

        long count = spark.read().format("delta").load(table).count();
        if (count != expected) {
            throw new IllegalStateException("spark wrote " + count + " rows, expected " + expected);
        }
        double cpu = ProcessHandle.current().info().totalCpuDuration().map(d -> d.toMillis() / 1e3).orElse(-1.0);
        System.out.printf("RESULT side=spark records=%d seconds=%.3f recordsPerSecond=%.0f peakRssMb=%d cpuSeconds=%.1f%n", count, seconds,
                count / seconds, peakRssMb(), cpu);
        spark.stop();
    }

    static long peakRssMb() throws java.io.IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
            }
        }
        return -1;
    }
}
