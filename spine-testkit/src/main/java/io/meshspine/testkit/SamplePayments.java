package io.meshspine.testkit;

import org.apache.avro.Conversions;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * Payments transactions for the {@code payments.transactions} contract: valid ones, deterministic per sequence
 * number, and the ways they go wrong. Used by tests, the demo's synthetic producer and the benchmarks.
 */
public final class SamplePayments {

    private static final List<String> CURRENCIES = List.of("AUD", "USD", "EUR", "GBP", "NZD", "SGD", "JPY");
    private static final List<String> CHANNELS = List.of("CARD", "ONLINE", "MOBILE", "BRANCH", "ATM", "DIRECT_DEBIT");
    private static final List<String> MERCHANTS = List.of("Harbour Coffee", "Metro Grocers", "Southern Fuel", "City Books", "Bay Pharmacy");
    private static final Conversions.DecimalConversion DECIMALS = new Conversions.DecimalConversion();

    private final Schema schema;

    public SamplePayments(Schema contractSchema) {
        this.schema = contractSchema;
    }

    public Schema schema() {
        return schema;
    }

    /** A valid transaction; the same sequence number always gives the same record (transaction id included). */
    public GenericRecord valid(long sequence, Instant occurredAt) {
        SplittableRandom random = new SplittableRandom(sequence * 0x9E3779B97F4A7C15L + 17);
        GenericData.Record r = new GenericData.Record(schema);
        r.put("transaction_id", new UUID(0x5EED_0000_0000_0000L | (sequence >>> 32), sequence).toString());
        r.put("account_number", String.format("062-%03d %08d", random.nextInt(1000), random.nextInt(100_000_000)));
        r.put("customer_id", "C" + (100_000 + random.nextInt(900_000)));
        BigDecimal amount = BigDecimal.valueOf(1 + random.nextInt(250_000), 2);
        r.put("amount", money(amount));
        r.put("currency", CURRENCIES.get(random.nextInt(CURRENCIES.size())));
        r.put("direction", random.nextBoolean() ? "DEBIT" : "CREDIT");
        r.put("channel", CHANNELS.get(random.nextInt(CHANNELS.size())));
        r.put("merchant_name", MERCHANTS.get(random.nextInt(MERCHANTS.size())));
        r.put("merchant_category_code", String.format("%04d", 5000 + random.nextInt(1000)));
        r.put("fee_amount", random.nextInt(4) == 0 ? money(amount.divide(BigDecimal.valueOf(100), 2, RoundingMode.DOWN)) : null);
        long micros = occurredAt.getEpochSecond() * 1_000_000 + occurredAt.getNano() / 1000;
        r.put("occurred_at", micros);
        r.put("booking_date", (int) LocalDate.ofInstant(occurredAt, ZoneOffset.UTC).toEpochDay());
        return r;
    }

    /** A decimal(18,2) value as Avro bytes. */
    public static ByteBuffer money(BigDecimal amount) {
        return DECIMALS.toBytes(amount.setScale(2, RoundingMode.UNNECESSARY), null, LogicalTypes.decimal(18, 2));
    }

    public static ByteBuffer money(String amount) {
        return money(new BigDecimal(amount));
    }
}
