package io.meshspine.sink.bench;

import io.meshspine.core.avro.WireFormat;
import io.meshspine.core.contract.Contract;
import io.meshspine.testkit.SamplePayments;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Iterator;
import java.util.Optional;

/**
 * The backfill benchmarks' raw payments (one in 50 refused by the currency rule, one in 100 a re-send of the record
 * before it), as consumer records of raw partition 0: {@link BackfillBench} produces them to the raw topic, the memory
 * and Spark benches write them into Bronze directly with {@link io.meshspine.sink.internal.BronzeFixture}. {@link #passing()} counts the records the contract
 * passes among those handed out so far.
 */
final class BenchPayments implements Iterator<ConsumerRecord<byte[], byte[]>> {
    private final Contract contract;
    private final long writerId;
    private final long records;
    private final SamplePayments samples;
    private final Instant base = Instant.parse("2025-05-01T00:00:00Z");
    private final long timestampBase = Instant.parse("2026-12-01T00:00:00Z").toEpochMilli();
    private long i;
    private long passing;
    private byte[] previous;
    private byte[] previousKey;

    BenchPayments(Contract contract, long writerId, long records) {
        this.contract = contract;
        this.writerId = writerId;
        this.records = records;
        this.samples = new SamplePayments(contract.avroSchema());
    }

    long passing() {
        return passing;
    }

    @Override
    public boolean hasNext() {
        return i < records;
    }

    @Override
    public ConsumerRecord<byte[], byte[]> next() {
        byte[] key;
        byte[] value;
        if (i % 100 == 99 && previous != null) {
            key = previousKey;
            value = previous;
        } else {
            GenericRecord r = samples.valid(i, base.plusSeconds(i * 2));
            if (i % 50 == 7) {
                r.put("currency", "XXY"); // not ISO 4217: the currency rule refuses it
            }
            key = r.get("transaction_id").toString().getBytes(StandardCharsets.UTF_8);
            value = WireFormat.encode(writerId, contract.avroSchema(), r);
            if (i % 50 != 7) {
                passing++;
                previous = value;
                previousKey = key;
            }
        }
        // A thousand records a second: the ingest dates span a few hours of one or two days, as a busy topic's would.
        ConsumerRecord<byte[], byte[]> out = new ConsumerRecord<>(contract.rawTopic(), 0, i, timestampBase + i, TimestampType.CREATE_TIME,
                -1, -1, key, value, new RecordHeaders(), Optional.empty());
        i++;
        return out;
    }
}
