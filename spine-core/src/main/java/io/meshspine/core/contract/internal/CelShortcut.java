package io.meshspine.core.contract.internal;

import dev.cel.common.ast.CelConstant;
import dev.cel.common.ast.CelExpr;
import java.math.BigDecimal;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.avro.generic.GenericRecord;

/**
 * The simple CEL expressions contracts write most ({@code fee == null || fee <= amount}, {@code status in ['A', 'B']},
 * {@code amount > 0}), compiled once to plain Java over the record's fields, so the per-record path does not build a
 * variable resolver and walk CEL's interpreter (the one CEL rule of the payments contract cost the gate as much as its
 * ten other rules together).
 *
 * <p>Only a small, statically typed subset is taken: field names, null, bool, int, double and string literals, {@code ||},
 * {@code &&}, {@code !}, equality and ordering of same-typed operands (ints against doubles in ordering, as CEL's
 * heterogeneous comparisons allow), {@code in} over a list of literals. Anything else is left to CEL
 * ({@link #of} is empty). At run time the shortcut answers true or false only where the answer is certain; whenever
 * CEL would raise an error or has rules of its own (a null compared by order, a NaN or a signed zero, a value of an
 * unexpected type) it answers {@link #UNDECIDED} and the caller asks CEL itself, so messages and edge cases stay CEL's.
 */
final class CelShortcut {

    static final int FALSE = 0;
    static final int TRUE = 1;
    /** The shortcut cannot answer for this record: evaluate with CEL. */
    static final int UNDECIDED = -1;

    private enum Type { BOOL, INT, DOUBLE, STRING, TIMESTAMP, NULL }

    /** A boolean-valued node: {@link #TRUE}, {@link #FALSE} or {@link #UNDECIDED}. */
    private interface Condition {
        int test(GenericRecord record);
    }

    /** A value-valued node; null is CEL's null. Throws nothing for well-typed records; the caller catches the rest. */
    private interface Operand {
        Object value(GenericRecord record);
    }

    private record Typed(Type type, Operand operand) {
    }

    private final Condition root;

    private CelShortcut(Condition root) {
        this.root = root;
    }

    /**
     * The shortcut for a checked expression over the schema's fields, or empty when it uses more than the subset.
     *
     * @param fields the expression's variables: each top-level field's accessor
     */
    static Optional<CelShortcut> of(CelExpr expression, Map<String, FieldAccessor> fields) {
        try {
            return Optional.of(new CelShortcut(condition(expression, fields)));
        } catch (NotInSubset e) {
            return Optional.empty();
        }
    }

    /** {@link #TRUE}, {@link #FALSE}, or {@link #UNDECIDED} when CEL must decide. */
    int test(GenericRecord record) {
        try {
            return root.test(record);
        } catch (RuntimeException e) {
            return UNDECIDED;
        }
    }

    /** Thrown while compiling only: the expression leaves the subset. */
    private static final class NotInSubset extends Exception {
        NotInSubset() {
            super(null, null, false, false);
        }
    }

    private static Condition condition(CelExpr e, Map<String, FieldAccessor> fields) throws NotInSubset {
        if (e.getKind() == CelExpr.ExprKind.Kind.CONSTANT && e.constant().getKind() == CelConstant.Kind.BOOLEAN_VALUE) {
            int value = e.constant().booleanValue() ? TRUE : FALSE;
            return r -> value;
        }
        if (e.getKind() == CelExpr.ExprKind.Kind.IDENT) {
            Typed t = operand(e, fields);
            if (t.type() != Type.BOOL) {
                throw new NotInSubset();
            }
            Operand o = t.operand();
            return r -> {
                Object v = o.value(r);
                return v == null ? UNDECIDED : (Boolean) v ? TRUE : FALSE;
            };
        }
        if (e.getKind() != CelExpr.ExprKind.Kind.CALL || e.call().target().isPresent()) {
            throw new NotInSubset();
        }
        List<CelExpr> args = e.call().args();
        switch (e.call().function()) {
            case "_||_" -> {
                Condition a = condition(args.get(0), fields);
                Condition b = condition(args.get(1), fields);
                // CEL's || is commutative over errors: true wins over an error on either side; false || error is an error.
                return r -> {
                    int x = a.test(r);
                    if (x == TRUE) {
                        return TRUE;
                    }
                    int y = b.test(r);
                    return y == TRUE ? TRUE : x == UNDECIDED || y == UNDECIDED ? UNDECIDED : FALSE;
                };
            }
            case "_&&_" -> {
                Condition a = condition(args.get(0), fields);
                Condition b = condition(args.get(1), fields);
                return r -> {
                    int x = a.test(r);
                    if (x == FALSE) {
                        return FALSE;
                    }
                    int y = b.test(r);
                    return y == FALSE ? FALSE : x == UNDECIDED || y == UNDECIDED ? UNDECIDED : TRUE;
                };
            }
            case "!_" -> {
                Condition a = condition(args.get(0), fields);
                return r -> {
                    int x = a.test(r);
                    return x == UNDECIDED ? UNDECIDED : 1 - x;
                };
            }
            case "_==_", "_!=_" -> {
                return equality(operand(args.get(0), fields), operand(args.get(1), fields), e.call().function().equals("_==_"));
            }
            case "_<_", "_<=_", "_>_", "_>=_" -> {
                return ordering(operand(args.get(0), fields), operand(args.get(1), fields), e.call().function());
            }
            case "@in" -> {
                return membership(operand(args.get(0), fields), args.get(1));
            }
            default -> throw new NotInSubset();
        }
    }

    private static Typed operand(CelExpr e, Map<String, FieldAccessor> fields) throws NotInSubset {
        if (e.getKind() == CelExpr.ExprKind.Kind.IDENT) {
            FieldAccessor field = fields.get(e.ident().name());
            if (field == null) {
                throw new NotInSubset();
            }
            return field(field);
        }
        if (e.getKind() == CelExpr.ExprKind.Kind.CONSTANT) {
            CelConstant c = e.constant();
            Object value;
            Type type;
            switch (c.getKind()) {
                case NULL_VALUE -> {
                    value = null;
                    type = Type.NULL;
                }
                case BOOLEAN_VALUE -> {
                    value = c.booleanValue();
                    type = Type.BOOL;
                }
                case INT64_VALUE -> {
                    value = c.int64Value();
                    type = Type.INT;
                }
                case DOUBLE_VALUE -> {
                    value = c.doubleValue();
                    type = Type.DOUBLE;
                }
                case STRING_VALUE -> {
                    value = c.stringValue();
                    type = Type.STRING;
                }
                default -> throw new NotInSubset();
            }
            Object constant = value;
            return new Typed(type, r -> constant);
        }
        throw new NotInSubset();
    }

    /** A field as CEL sees it (the same conversions as {@link CelRules}' variables), null as null. */
    private static Typed field(FieldAccessor field) throws NotInSubset {
        FieldType type = field.type();
        FieldType.Kind kind = type.kind();
        return switch (kind) {
            case STRING, UUID, ENUM -> new Typed(Type.STRING, r -> {
                Object v = field.get(r);
                return v == null ? null : AvroValues.text(v);
            });
            case BOOLEAN -> new Typed(Type.BOOL, r -> (Boolean) field.get(r));
            case INT, LONG -> new Typed(Type.INT, r -> {
                Object v = field.get(r);
                return v == null ? null : (Object) ((Number) v).longValue();
            });
            case FLOAT, DOUBLE -> new Typed(Type.DOUBLE, r -> {
                Object v = field.get(r);
                return v == null ? null : (Object) ((Number) v).doubleValue();
            });
            case DECIMAL -> {
                int scale = type.scale();
                yield new Typed(Type.DOUBLE, r -> {
                    Object v = field.get(r);
                    return v == null ? null : (Object) AvroValues.decimalToDouble(v, scale);
                });
            }
            case DATE, TIMESTAMP_MILLIS, TIMESTAMP_MICROS, TIMESTAMP_NANOS,
                 LOCAL_TIMESTAMP_MILLIS, LOCAL_TIMESTAMP_MICROS, LOCAL_TIMESTAMP_NANOS -> new Typed(Type.TIMESTAMP, r -> {
                     // CEL sees a timestamp built from these microseconds; their order is the timestamps' order.
                     Object v = field.get(r);
                     return v == null ? null : (Object) AvroValues.toEpochMicros(v, kind);
                 });
            default -> throw new NotInSubset();
        };
    }

    private static Condition equality(Typed left, Typed right, boolean equal) throws NotInSubset {
        boolean nullCheck = left.type() == Type.NULL || right.type() == Type.NULL;
        if (!nullCheck && left.type() != right.type()) {
            throw new NotInSubset(); // CEL's heterogeneous equality (1 == 1.0) is left to CEL
        }
        Operand a = left.operand();
        Operand b = right.operand();
        int same = equal ? TRUE : FALSE;
        int differ = equal ? FALSE : TRUE;
        if (nullCheck) {
            return r -> (a.value(r) == null) == (b.value(r) == null) ? same : differ;
        }
        Type type = left.type();
        return r -> {
            Object x = a.value(r);
            Object y = b.value(r);
            if (x == null || y == null) {
                return x == y ? same : UNDECIDED;
            }
            if (type == Type.DOUBLE) {
                double dx = (Double) x;
                double dy = (Double) y;
                if (unsure(dx) || unsure(dy)) {
                    return UNDECIDED;
                }
                return dx == dy ? same : differ;
            }
            return x.equals(y) ? same : differ;
        };
    }

    private static Condition ordering(Typed left, Typed right, String function) throws NotInSubset {
        Type lt = left.type();
        Type rt = right.type();
        boolean numeric = (lt == Type.INT || lt == Type.DOUBLE) && (rt == Type.INT || rt == Type.DOUBLE);
        if (!numeric && !(lt == rt && (lt == Type.TIMESTAMP))) {
            throw new NotInSubset(); // strings, bools and anything mixed: CEL's own ordering rules
        }
        Operand a = left.operand();
        Operand b = right.operand();
        return r -> {
            Object x = a.value(r);
            Object y = b.value(r);
            if (x == null || y == null) {
                return UNDECIDED; // no overload for null: CEL's error
            }
            int c = compare(x, y);
            if (c == Integer.MIN_VALUE) {
                return UNDECIDED;
            }
            boolean holds = switch (function) {
                case "_<_" -> c < 0;
                case "_<=_" -> c <= 0;
                case "_>_" -> c > 0;
                default -> c >= 0;
            };
            return holds ? TRUE : FALSE;
        };
    }

    /** The order of two numbers (longs compared exactly with doubles), or MIN_VALUE when a NaN or a zero leaves it to CEL. */
    private static int compare(Object x, Object y) {
        if (x instanceof Long lx && y instanceof Long ly) {
            return Long.compare(lx, ly);
        }
        if (x instanceof Double dx && y instanceof Double dy) {
            return unsure(dx) || unsure(dy) ? Integer.MIN_VALUE : Double.compare(dx, dy);
        }
        if (x instanceof Long lx) {
            return mixed(lx, (Double) y);
        }
        int c = mixed((Long) y, (Double) x);
        return c == Integer.MIN_VALUE ? c : -c;
    }

    private static final double EXACT_LONG = 9.007199254740992E15; // 2^53

    /**
     * NaN and the two zeros: CEL's comparisons treat them in ways of their own (-0.0 >= 0 is false there), so a
     * record holding one is left to CEL.
     */
    private static boolean unsure(double d) {
        return Double.isNaN(d) || d == 0.0;
    }

    private static int mixed(long l, double d) {
        if (unsure(d)) {
            return Integer.MIN_VALUE;
        }
        if (l >= -EXACT_LONG && l <= EXACT_LONG) {
            return Double.compare((double) l, d);
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? -1 : 1;
        }
        return BigDecimal.valueOf(l).compareTo(new BigDecimal(d));
    }

    private static Condition membership(Typed element, CelExpr list) throws NotInSubset {
        if (list.getKind() != CelExpr.ExprKind.Kind.LIST || !list.list().optionalIndices().isEmpty()
                || (element.type() != Type.STRING && element.type() != Type.INT)) {
            throw new NotInSubset();
        }
        Set<Object> values = new HashSet<>();
        for (CelExpr item : list.list().elements()) {
            if (item.getKind() != CelExpr.ExprKind.Kind.CONSTANT) {
                throw new NotInSubset();
            }
            CelConstant c = item.constant();
            if (element.type() == Type.STRING && c.getKind() == CelConstant.Kind.STRING_VALUE) {
                values.add(c.stringValue());
            } else if (element.type() == Type.INT && c.getKind() == CelConstant.Kind.INT64_VALUE) {
                values.add(c.int64Value());
            } else {
                throw new NotInSubset(); // a list of mixed types: CEL's heterogeneous equality decides
            }
        }
        Set<Object> allowed = Set.copyOf(values);
        Operand o = element.operand();
        return r -> {
            Object v = o.value(r);
            if (v == null) {
                return UNDECIDED;
            }
            return allowed.contains(v) ? TRUE : FALSE;
        };
    }
}
