package io.meshspine.core.contract;

import io.meshspine.core.contract.internal.AvroSchemaReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;

/**
 * Whether a new schema keeps the contract's promise ({@link Contract#compatibility()}) to the
 * earlier schemas of the same major version, decided by Avro's own {@link SchemaCompatibility}.
 * Earlier versions of a major version are the git history of its {@code .avsc}: a new major
 * version is a new directory, so it has no history and is always allowed.
 */
public final class CompatibilityCheck {

    private CompatibilityCheck() {
    }

    /** An earlier schema and what to call it in messages (a commit, a ref). */
    public record EarlierSchema(String label, Schema schema) {
    }

    /**
     * Checks {@code candidate} against earlier schemas, newest first. Earlier schemas equal to the
     * candidate are passed over, so the check means the same before a commit (the work tree against
     * HEAD) and after it (HEAD against its parents). Non-transitive modes compare with the newest
     * remaining one only.
     */
    public static CompatibilityResult check(String subject, Schema candidate, List<EarlierSchema> earlierNewestFirst,
                                            CompatibilityMode mode) {
        return check(subject, candidate, earlierNewestFirst, mode, List.of());
    }

    private static CompatibilityResult check(String subject, Schema candidate, List<EarlierSchema> earlierNewestFirst,
                                             CompatibilityMode mode, List<String> skipped) {
        List<EarlierSchema> distinct = new ArrayList<>();
        Set<Schema> seen = new LinkedHashSet<>();
        seen.add(candidate);
        for (EarlierSchema e : earlierNewestFirst) {
            if (seen.add(e.schema())) {
                distinct.add(e);
            }
        }
        List<EarlierSchema> compared = mode.transitive() || distinct.isEmpty() ? distinct : distinct.subList(0, 1);
        List<Incompatibility> found = new ArrayList<>();
        for (EarlierSchema earlier : compared) {
            if (mode.backward()) {
                collect(found, earlier.label(), Incompatibility.Direction.BACKWARD, candidate, earlier.schema());
            }
            if (mode.forward()) {
                collect(found, earlier.label(), Incompatibility.Direction.FORWARD, earlier.schema(), candidate);
            }
        }
        return new CompatibilityResult(subject, mode, compared.stream().map(EarlierSchema::label).toList(), found, skipped);
    }

    private static void collect(List<Incompatibility> found, String label, Incompatibility.Direction direction,
                                Schema reader, Schema writer) {
        var result = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getResult();
        for (SchemaCompatibility.Incompatibility i : result.getIncompatibilities()) {
            found.add(new Incompatibility(label, direction, fieldAt(reader, i.getLocation()), reason(i)));
        }
    }

    private static String reason(SchemaCompatibility.Incompatibility i) {
        return switch (i.getType()) {
            case READER_FIELD_MISSING_DEFAULT_VALUE -> "the reading schema has this field without a default, and the written data lacks it";
            case TYPE_MISMATCH -> "type changed incompatibly (" + i.getMessage() + ")";
            case MISSING_ENUM_SYMBOLS -> "enum symbols missing on the reading side: " + i.getMessage();
            case MISSING_UNION_BRANCH -> "union branch missing on the reading side: " + i.getMessage();
            case NAME_MISMATCH -> "named type renamed: " + i.getMessage();
            case FIXED_SIZE_MISMATCH -> "fixed size changed: " + i.getMessage();
            default -> i.getType() + ": " + i.getMessage();
        };
    }

    /**
     * Avro reports a JSON-pointer-like location into the reader schema ({@code /fields/3/type/1});
     * contract owners think in field names, so walk the pointer and name the fields on the way.
     */
    static String fieldAt(Schema reader, String location) {
        List<String> names = new ArrayList<>();
        Schema current = reader;
        String[] parts = location.split("/");
        for (int p = 0; p < parts.length && current != null; p++) {
            String part = parts[p];
            if (part.isEmpty()) {
                continue;
            }
            switch (part) {
                case "fields" -> {
                    if (p + 1 < parts.length && current.getType() == Schema.Type.RECORD) {
                        int index = Integer.parseInt(parts[++p]);
                        Schema.Field f = current.getFields().get(index);
                        names.add(f.name());
                        current = f.schema();
                    }
                }
                case "items" -> current = current.getType() == Schema.Type.ARRAY ? current.getElementType() : null;
                case "values" -> current = current.getType() == Schema.Type.MAP ? current.getValueType() : null;
                case "type", "name", "size", "symbols" -> { }
                default -> {
                    if (current.getType() == Schema.Type.UNION && part.chars().allMatch(Character::isDigit)) {
                        current = current.getTypes().get(Integer.parseInt(part));
                    }
                }
            }
        }
        return names.isEmpty() ? "<record " + reader.getName() + ">" : String.join(".", names);
    }

    /** Checks the contract's schema against every earlier committed version of its .avsc. */
    public static CompatibilityResult againstHistory(Contract contract, GitHistory git) {
        Path schemaPath = schemaPath(contract);
        List<EarlierSchema> earlier = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (String rev : git.revisionsOf(schemaPath)) {
            git.fileAt(rev, schemaPath).ifPresent(text -> parseEarlier(rev.substring(0, 12), text, earlier, skipped));
        }
        return check(contract.qualifiedName(), contract.avroSchema(), earlier, contract.compatibility(), skipped);
    }

    /** Checks the contract's schema against its .avsc at a git ref (a branch, tag or commit). */
    public static CompatibilityResult againstRef(Contract contract, GitHistory git, String ref) {
        Path schemaPath = schemaPath(contract);
        List<EarlierSchema> earlier = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        Optional<String> text = git.fileAt(ref, schemaPath);
        text.ifPresent(t -> parseEarlier(ref, t, earlier, skipped));
        return check(contract.qualifiedName(), contract.avroSchema(), earlier, contract.compatibility(), skipped);
    }

    /** Every contract of a catalog against its history. */
    public static List<CompatibilityResult> againstHistory(ContractCatalog catalog, GitHistory git) {
        return catalog.contracts().stream().map(c -> againstHistory(c, git)).toList();
    }

    /** Every contract of a catalog against a git ref. */
    public static List<CompatibilityResult> againstRef(ContractCatalog catalog, GitHistory git, String ref) {
        return catalog.contracts().stream().map(c -> againstRef(c, git, ref)).toList();
    }

    private static Path schemaPath(Contract contract) {
        return contract.location().schemaPath().orElseThrow(() -> new IllegalArgumentException(
                "contract " + contract.qualifiedName() + " was not read from a work tree (" + contract.location().schemaFile()
                        + "), so it has no history to check against"));
    }

    private static void parseEarlier(String label, String text, List<EarlierSchema> earlier, List<String> skipped) {
        try {
            // each version in its own parser: a type renamed between versions must not clash
            earlier.add(new EarlierSchema(label, AvroSchemaReader.parse(new Schema.Parser(), text)));
        } catch (AvroSchemaReader.AvroSchemaException e) {
            skipped.add(label + ": " + e.getMessage());
        }
    }
}
