package io.meshspine.core.contract.bench;

import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.contract.QualityRule;
import io.meshspine.core.contract.RuleSet;
import io.meshspine.core.contract.RuleViolation;
import io.meshspine.core.contract.internal.FieldType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import org.apache.avro.Conversions;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;

/**
 * How much evaluating all of a contract's rules costs per record. Records are generated from each
 * contract's schema, steered by its rules so most pass (as most traffic does), then Avro-encoded
 * and decoded so the rules see what the gate sees (Utf8 strings, decimal bytes).
 *
 * <p>Run: {@code mvn -B -q -o -pl spine-core test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=io.meshspine.core.contract.bench.RuleBench -Dexec.args="schemas"} from the repo root.
 * Args: [contracts dir] [records per round] [rounds].
 */
public final class RuleBench {

    private static final int POOL = 8192;

    public static void main(String[] args) throws IOException {
        Path tree = Path.of(args.length > 0 ? args[0] : "schemas");
        if (!Files.isDirectory(tree) && Files.isDirectory(Path.of("..").resolve(tree))) {
            tree = Path.of("..").resolve(tree);
        }
        int perRound = args.length > 1 ? Integer.parseInt(args[1]) : 2_000_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 7;
        Instant now = Instant.now();
        ContractCatalog catalog = ContractCatalog.load(tree, Clock.fixed(now, ZoneOffset.UTC));
        System.out.printf("java %s, %d cores, %d records per round, %d rounds (median reported)%n",
                System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(), perRound, rounds);
        System.out.printf("%-30s %6s %10s %10s %10s %12s%n", "contract", "rules", "ns/record", "min", "max", "violating");
        for (Contract contract : catalog.contracts()) {
            GenericRecord[] pool = generate(contract, now, new Random(42));
            RuleSet rules = contract.rules();
            long violating = Arrays.stream(pool).filter(r -> !rules.evaluate(r).isEmpty()).count();
            run(rules, pool, perRound); // warm-up: let the JIT settle
            run(rules, pool, perRound);
            double[] ns = new double[rounds];
            for (int i = 0; i < rounds; i++) {
                ns[i] = run(rules, pool, perRound);
            }
            Arrays.sort(ns);
            System.out.printf("%-30s %6d %10.0f %10.0f %10.0f %11.1f%%%n", contract.qualifiedName(), rules.rules().size(),
                    ns[rounds / 2], ns[0], ns[rounds - 1], 100.0 * violating / pool.length);
        }
    }

    static volatile long sink;

    /** Nanoseconds per record for {@code count} evaluations of every rule. */
    private static double run(RuleSet rules, GenericRecord[] pool, int count) {
        long found = 0;
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            List<RuleViolation> v = rules.evaluate(pool[i & (POOL - 1)]);
            found += v.size();
        }
        long elapsed = System.nanoTime() - start;
        sink = found;
        return (double) elapsed / count;
    }

    // --- generation --------------------------------------------------------------------------

    private static GenericRecord[] generate(Contract contract, Instant now, Random random) throws IOException {
        Schema schema = contract.avroSchema();
        GenericDatumWriter<GenericRecord> writer = new GenericDatumWriter<>(schema);
        GenericDatumReader<GenericRecord> reader = new GenericDatumReader<>(schema);
        GenericRecord[] pool = new GenericRecord[POOL];
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BinaryEncoder encoder = null;
        BinaryDecoder decoder = null;
        for (int i = 0; i < POOL; i++) {
            GenericData.Record r = new GenericData.Record(schema);
            for (Schema.Field f : schema.getFields()) {
                r.put(f.pos(), value(contract, f, now, random));
            }
            bytes.reset();
            encoder = EncoderFactory.get().binaryEncoder(bytes, encoder);
            writer.write(r, encoder);
            encoder.flush();
            decoder = DecoderFactory.get().binaryDecoder(bytes.toByteArray(), decoder);
            pool[i] = reader.read(null, decoder);
        }
        return pool;
    }

    private static <T extends QualityRule> Optional<T> rule(Contract c, String field, Class<T> kind) {
        return c.rules().rules().stream().filter(kind::isInstance).map(kind::cast).filter(r -> field.equals(r.field())).findFirst();
    }

    private static final List<String> TEXT_SAMPLES = List.of("user@example.com", "2000", "5411", "BRK-12345", "+61412345678");

    private static Object value(Contract c, Schema.Field f, Instant now, Random random) {
        FieldType type = FieldType.of(f.schema());
        if (type.nullable() && random.nextInt(5) == 0) {
            return null;
        }
        String name = f.name();
        Schema s = type.schema();
        switch (type.kind()) {
            case STRING:
                Optional<QualityRule.AllowedValues> allowed = rule(c, name, QualityRule.AllowedValues.class);
                if (allowed.isPresent()) {
                    List<String> values = allowed.get().values();
                    return values.get(random.nextInt(Math.min(values.size(), 40)));
                }
                Optional<QualityRule.Regex> regex = rule(c, name, QualityRule.Regex.class);
                if (regex.isPresent()) {
                    return TEXT_SAMPLES.stream().filter(t -> regex.get().pattern().matcher(t).matches()).findFirst().orElse("x");
                }
                return name.substring(0, 3) + "-" + random.nextInt(1_000_000);
            case UUID:
                return new UUID(random.nextLong(), random.nextLong()).toString();
            case INT:
            case LONG: {
                Optional<QualityRule.Range> range = rule(c, name, QualityRule.Range.class);
                long lo = range.flatMap(QualityRule.Range::min).map(BigDecimal::longValue).orElse(1L);
                long hi = range.flatMap(QualityRule.Range::max).map(BigDecimal::longValue).orElse(100_000L);
                long v = lo + (long) (random.nextDouble() * (hi - lo));
                return type.kind() == FieldType.Kind.INT ? (Object) (int) v : (Object) v;
            }
            case DECIMAL: {
                Optional<QualityRule.Range> range = rule(c, name, QualityRule.Range.class);
                double lo = range.flatMap(QualityRule.Range::min).map(BigDecimal::doubleValue).orElse(0.0);
                double hi = range.flatMap(QualityRule.Range::max).map(BigDecimal::doubleValue).orElse(1000.0);
                // mostly small amounts, as in real payments
                double v = lo + Math.pow(random.nextDouble(), 4) * (Math.min(hi, 1_000_000) - lo);
                BigDecimal d = BigDecimal.valueOf(v).setScale(type.scale(), RoundingMode.HALF_UP);
                if (range.isPresent() && d.signum() <= 0) {
                    d = BigDecimal.ONE.setScale(type.scale());
                }
                return new Conversions.DecimalConversion().toBytes(d, s, s.getLogicalType());
            }
            case TIMESTAMP_MICROS:
                return (now.getEpochSecond() - random.nextInt(86_400)) * 1_000_000L;
            case TIMESTAMP_MILLIS:
                return (now.getEpochSecond() - random.nextInt(86_400)) * 1_000L;
            case DATE:
                return (int) (now.getEpochSecond() / 86_400 - random.nextInt(365));
            case BOOLEAN:
                return random.nextBoolean();
            case DOUBLE:
                return random.nextDouble();
            default:
                throw new IllegalArgumentException("the bench does not generate " + type.describe() + " (" + name + ")");
        }
    }
}
