package io.meshspine.core.contract.internal;

import com.google.protobuf.ByteString;
import com.google.protobuf.NullValue;
import com.google.protobuf.Timestamp;
import dev.cel.bundle.Cel;
import dev.cel.bundle.CelBuilder;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.CelType;
import dev.cel.common.types.ListType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.NullableType;
import dev.cel.common.types.SimpleType;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelVariableResolver;
import io.meshspine.core.contract.QualityRule;
import io.meshspine.core.contract.RuleViolation;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.GenericRecord;

/**
 * The CEL environment of one schema: every top-level field is a typed variable, so an expression
 * naming an unknown field, or comparing a string with a number, fails when the contract loads,
 * not when the first record arrives.
 */
final class CelRules {

    private static final CelOptions OPTIONS = CelOptions.current()
            // int fields compared with double literals (amount > 0 on a long) must just work
            .enableHeterogeneousNumericComparisons(true)
            .build();

    /** One variable: how to read it and how to hand it to CEL. */
    private record Variable(FieldAccessor accessor, Function<Object, Object> toCel) {
        Object value(GenericRecord record) {
            Object raw = accessor.get(record);
            return raw == null ? NullValue.NULL_VALUE : toCel.apply(raw);
        }
    }

    private final Cel cel;
    private final Map<String, Variable> variables;
    private final Map<String, FieldAccessor> fields;

    CelRules(Schema schema) {
        CelBuilder builder = CelFactory.standardCelBuilder()
                .setOptions(OPTIONS)
                .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
                .setResultType(SimpleType.BOOL);
        Map<String, Variable> vars = new HashMap<>();
        for (Schema.Field f : schema.getFields()) {
            if (RuleCompiler.CEL_RESERVED.contains(f.name())) {
                continue;
            }
            FieldAccessor accessor = FieldAccessor.of(schema, f.name());
            FieldType type = accessor.type();
            CelType celType = celType(type);
            builder.addVar(f.name(), type.nullable() && celType != SimpleType.DYN ? NullableType.create(celType) : celType);
            vars.put(f.name(), new Variable(accessor, converter(type)));
        }
        this.cel = builder.build();
        this.variables = Map.copyOf(vars);
        Map<String, FieldAccessor> accessors = new HashMap<>();
        vars.forEach((name, v) -> accessors.put(name, v.accessor()));
        this.fields = Map.copyOf(accessors);
    }

    /**
     * The rule as it runs: simple expressions are answered in plain Java ({@link CelShortcut}), with CEL deciding
     * whatever the shortcut cannot; any other expression is CEL's alone.
     */
    CompiledRule compile(QualityRule.Cel rule) throws RuleTypeException {
        CelAbstractSyntaxTree ast = check(rule);
        CompiledRule interpreted = interpreted(rule, ast);
        Optional<CelShortcut> shortcut = CelShortcut.of(ast.getExpr(), fields);
        if (shortcut.isEmpty()) {
            return interpreted;
        }
        CelShortcut fast = shortcut.get();
        RuleViolation isFalse = isFalse(rule);
        return (record, now) -> switch (fast.test(record)) {
            case CelShortcut.TRUE -> null;
            case CelShortcut.FALSE -> isFalse;
            default -> interpreted.check(record, now);
        };
    }

    /** The rule evaluated by CEL's interpreter alone, shortcut or not: what the shortcut is held to. */
    CompiledRule interpreted(QualityRule.Cel rule) throws RuleTypeException {
        return interpreted(rule, check(rule));
    }

    /** Whether the rule's expression is answered by {@link CelShortcut}. */
    boolean hasShortcut(QualityRule.Cel rule) throws RuleTypeException {
        return CelShortcut.of(check(rule).getExpr(), fields).isPresent();
    }

    private CelAbstractSyntaxTree check(QualityRule.Cel rule) throws RuleTypeException {
        try {
            return cel.compile(rule.expression()).getAst();
        } catch (CelValidationException e) {
            throw new RuleTypeException(null, "cel rule '" + rule.id() + "' does not compile: " + e.getMessage());
        }
    }

    private static RuleViolation isFalse(QualityRule.Cel rule) {
        return new RuleViolation(rule.id(), rule.severity(), null, "expression is false: " + rule.expression());
    }

    private CompiledRule interpreted(QualityRule.Cel rule, CelAbstractSyntaxTree ast) throws RuleTypeException {
        CelRuntime.Program program;
        try {
            program = cel.createProgram(ast);
        } catch (dev.cel.common.CelException e) {
            throw new RuleTypeException(null, "cel rule '" + rule.id() + "' cannot be planned: " + e.getMessage());
        }
        RuleViolation isFalse = isFalse(rule);
        Map<String, Variable> vars = variables;
        return (record, now) -> {
            CelVariableResolver resolver = name -> {
                Variable v = vars.get(name);
                return v == null ? Optional.empty() : Optional.of(v.value(record));
            };
            try {
                return Boolean.TRUE.equals(program.eval(resolver)) ? null : isFalse;
            } catch (CelEvaluationException e) {
                // CEL's messages name overloads and positions, not values, so they are safe to keep.
                return new RuleViolation(rule.id(), rule.severity(), null,
                        "expression could not be evaluated (" + e.getMessage() + "): " + rule.expression());
            }
        };
    }

    private static CelType celType(FieldType type) {
        return switch (type.kind()) {
            case STRING, UUID, ENUM -> SimpleType.STRING;
            case BOOLEAN -> SimpleType.BOOL;
            case INT, LONG, TIME_MILLIS, TIME_MICROS -> SimpleType.INT;
            case FLOAT, DOUBLE, DECIMAL -> SimpleType.DOUBLE;
            case DATE, TIMESTAMP_MILLIS, TIMESTAMP_MICROS, TIMESTAMP_NANOS,
                 LOCAL_TIMESTAMP_MILLIS, LOCAL_TIMESTAMP_MICROS, LOCAL_TIMESTAMP_NANOS -> SimpleType.TIMESTAMP;
            case BYTES, FIXED -> SimpleType.BYTES;
            case ARRAY -> ListType.create(SimpleType.DYN);
            case MAP -> MapType.create(SimpleType.STRING, SimpleType.DYN);
            case RECORD, UNION, NULL -> SimpleType.DYN;
        };
    }

    private static Function<Object, Object> converter(FieldType type) {
        FieldType.Kind kind = type.kind();
        return switch (kind) {
            case STRING, UUID, ENUM -> AvroValues::text;
            case BOOLEAN -> v -> v;
            case INT, LONG, TIME_MILLIS, TIME_MICROS -> v -> v instanceof Number n ? n.longValue() : timeOfDay(v, kind);
            case FLOAT, DOUBLE -> v -> ((Number) v).doubleValue();
            case DECIMAL -> {
                int scale = type.scale();
                yield v -> AvroValues.decimalToDouble(v, scale);
            }
            case DATE, TIMESTAMP_MILLIS, TIMESTAMP_MICROS, TIMESTAMP_NANOS,
                 LOCAL_TIMESTAMP_MILLIS, LOCAL_TIMESTAMP_MICROS, LOCAL_TIMESTAMP_NANOS -> v -> timestamp(AvroValues.toEpochMicros(v, kind));
            case BYTES, FIXED -> CelRules::bytes;
            case ARRAY, MAP, RECORD, UNION, NULL -> CelRules::generic;
        };
    }

    private static Object timeOfDay(Object v, FieldType.Kind kind) {
        if (v instanceof java.time.LocalTime t) {
            long nanos = t.toNanoOfDay();
            return kind == FieldType.Kind.TIME_MILLIS ? nanos / 1_000_000 : nanos / 1000;
        }
        throw new AvroValues.UnexpectedValueException("a time", v);
    }

    private static Timestamp timestamp(long micros) {
        return Timestamp.newBuilder()
                .setSeconds(Math.floorDiv(micros, 1_000_000L))
                .setNanos((int) Math.floorMod(micros, 1_000_000L) * 1000)
                .build();
    }

    private static ByteString bytes(Object v) {
        if (v instanceof ByteBuffer b) {
            return ByteString.copyFrom(b.duplicate());
        }
        if (v instanceof GenericFixed f) {
            return ByteString.copyFrom(f.bytes());
        }
        throw new AvroValues.UnexpectedValueException("bytes", v);
    }

    /** Nested values for DYN variables: plain CEL values, logical types left as their base type. */
    private static Object generic(Object v) {
        if (v == null) {
            return NullValue.NULL_VALUE;
        }
        if (v instanceof CharSequence || v instanceof org.apache.avro.generic.GenericEnumSymbol<?>) {
            return v.toString();
        }
        if (v instanceof Integer i) {
            return i.longValue();
        }
        if (v instanceof Float f) {
            return f.doubleValue();
        }
        if (v instanceof ByteBuffer || v instanceof GenericFixed) {
            return bytes(v);
        }
        if (v instanceof GenericRecord r) {
            Map<String, Object> map = new LinkedHashMap<>();
            for (Schema.Field f : r.getSchema().getFields()) {
                map.put(f.name(), generic(r.get(f.pos())));
            }
            return map;
        }
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> map = new LinkedHashMap<>();
            m.forEach((k, val) -> map.put(k.toString(), generic(val)));
            return map;
        }
        if (v instanceof List<?> l) {
            List<Object> list = new ArrayList<>(l.size());
            l.forEach(item -> list.add(generic(item)));
            return list;
        }
        return v;
    }
}
