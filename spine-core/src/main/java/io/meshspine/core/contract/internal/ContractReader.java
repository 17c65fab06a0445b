package io.meshspine.core.contract.internal;

import io.meshspine.core.contract.CdcConnector;
import io.meshspine.core.contract.Classification;
import io.meshspine.core.contract.CompatibilityMode;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractLocation;
import io.meshspine.core.contract.CsvOptions;
import io.meshspine.core.contract.FileFormat;
import io.meshspine.core.contract.Lane;
import io.meshspine.core.contract.Masking;
import io.meshspine.core.contract.PiiField;
import io.meshspine.core.contract.Problem;
import io.meshspine.core.contract.QualityRule;
import io.meshspine.core.contract.RuleKind;
import io.meshspine.core.contract.RuleSet;
import io.meshspine.core.contract.ServiceLevels;
import io.meshspine.core.contract.Severity;
import io.meshspine.core.contract.SilverMode;
import io.meshspine.core.contract.SinkSpec;
import io.meshspine.core.contract.SourceBinding;
import io.meshspine.core.contract.Team;
import io.meshspine.core.contract.internal.YamlNode.Mapping;
import io.meshspine.core.contract.internal.YamlNode.Scalar;
import io.meshspine.core.contract.internal.YamlNode.Sequence;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;
import java.nio.file.FileVisitResult;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import org.apache.avro.Schema;

/**
 * Reads every {@code <domain>/<dataProduct>/v<major>/contract.yaml} under a root, with its Avro
 * schema, into {@link Contract}s. It never stops at the first fault: every problem in every file is
 * collected with its file, line and field, and a contract with any problem is left out.
 */
public final class ContractReader {

    public static final String CONTRACT_FILE = "contract.yaml";

    /** What a read produced: the good contracts, and every problem found. */
    public record Result(List<Contract> contracts, List<Problem> problems) {
        public Result {
            contracts = List.copyOf(contracts);
            problems = List.copyOf(problems);
        }
    }

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");
    private static final Pattern RULE_ID = Pattern.compile("[a-z0-9][a-z0-9_.-]*");
    private static final Pattern SEMVER = Pattern.compile("(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)([-+][0-9A-Za-z.+-]+)?");
    private static final Pattern MAJOR_DIR = Pattern.compile("v([1-9]\\d*)");

    private static final Set<String> TOP_KEYS = Set.of("apiVersion", "kind", "id", "name", "version", "status",
            "domain", "dataProduct", "tenant", "description", "team", "classification", "avroSchema", "avroImports",
            "keys", "source", "pii", "quality", "slaProperties", "sink", "compatibility", "tags", "customProperties");

    private final Path root;
    private final Function<Path, String> display;
    private final boolean localFileSystem;
    private final Clock clock;

    /**
     * @param display how a file is named in problems (relative to the working directory, or
     *                {@code classpath:...})
     */
    public ContractReader(Path root, Function<Path, String> display, Clock clock) {
        this.root = root;
        this.display = display;
        this.localFileSystem = root.getFileSystem() == FileSystems.getDefault();
        this.clock = clock;
    }

    public Result readAll() {
        List<Contract> contracts = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            problems.add(new Problem(display.apply(root), 0, null, "not a directory of contracts"));
            return new Result(contracts, problems);
        }
        List<Path> files = contractFiles(root);
        if (files.isEmpty()) {
            problems.add(new Problem(display.apply(root), 0, null, "no " + CONTRACT_FILE + " found"));
        }
        Map<String, Contract> byProductTopic = new HashMap<>();
        for (Path file : files) {
            FileReader reader = new FileReader(file);
            Contract contract = reader.read();
            problems.addAll(reader.problems);
            if (contract != null) {
                Contract clash = byProductTopic.putIfAbsent(contract.productTopic(), contract);
                if (clash != null) {
                    problems.add(new Problem(reader.file, 1, null, "contract " + contract.qualifiedName()
                            + " is also declared by " + clash.location().contractFile()));
                } else {
                    contracts.add(contract);
                }
            }
        }
        return new Result(contracts, problems);
    }

    /**
     * Build output, sources and hidden directories are not part of the tree: the {@code schemas}
     * module's root is the tree, and its {@code target/classes/contracts} holds copies.
     */
    private static final Set<String> SKIPPED_DIRECTORIES = Set.of("target", "src", "node_modules");

    private static List<Path> contractFiles(Path root) {
        List<Path> files = new ArrayList<>();
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    if (dir.equals(root) || dir.getFileName() == null) {
                        return FileVisitResult.CONTINUE;
                    }
                    String name = dir.getFileName().toString().replace("/", "");
                    return SKIPPED_DIRECTORIES.contains(name) || name.startsWith(".")
                            ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (file.getFileName() != null && file.getFileName().toString().equals(CONTRACT_FILE)) {
                        files.add(file);
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list contracts under " + root, e);
        }
        files.sort(null);
        return files;
    }

    /** Reads one contract file, collecting its problems. */
    private final class FileReader {
        private final Path path;
        private final String file;
        private final List<Problem> problems = new ArrayList<>();

        FileReader(Path path) {
            this.path = path;
            this.file = display.apply(path);
        }

        private void problem(int line, String field, String message) {
            problems.add(new Problem(file, line, field, message));
        }

        Contract read() {
            String text;
            try {
                text = Files.readString(path, StandardCharsets.UTF_8);
            } catch (IOException e) {
                problem(0, null, "cannot read: " + e.getMessage());
                return null;
            }
            YamlNode tree;
            try {
                tree = YamlReader.read(text);
            } catch (YamlReader.YamlException e) {
                problem(e.line(), null, e.getMessage());
                return null;
            }
            if (!(tree instanceof Mapping top)) {
                problem(tree.line(), null, "a contract must be a mapping of keys, found " + tree.describe());
                return null;
            }
            return contract(top);
        }

        private Contract contract(Mapping top) {
            unknownKeys(top, "", TOP_KEYS);
            optionalString(top, "apiVersion", "").ifPresent(v -> {
                if (!v.startsWith("v3")) {
                    problem(top.lineOf("apiVersion"), null, "apiVersion: only ODCS v3 contracts are supported, found '" + v + "'");
                }
            });
            optionalString(top, "kind", "").ifPresent(v -> {
                if (!v.equals("DataContract")) {
                    problem(top.lineOf("kind"), null, "kind: must be DataContract, found '" + v + "'");
                }
            });
            String domain = name(top, "domain");
            String dataProduct = name(top, "dataProduct");
            String id = requiredString(top, "id", "");
            if (id != null && domain != null && dataProduct != null && !id.equals(domain + "." + dataProduct)) {
                problem(top.lineOf("id"), null, "id: must be '" + domain + "." + dataProduct + "' (domain.dataProduct), found '" + id + "'");
            }
            String version = requiredString(top, "version", "");
            int major = 0;
            if (version != null) {
                Matcher m = SEMVER.matcher(version);
                if (m.matches()) {
                    major = Integer.parseInt(m.group(1));
                    if (major == 0) {
                        problem(top.lineOf("version"), null, "version: major version 0 is not a product version; start at 1.0.0");
                    }
                } else {
                    problem(top.lineOf("version"), null, "version: must be a semantic version like 1.2.0, found '" + version + "'");
                }
            }
            checkLayout(top, domain, dataProduct, major);

            String purpose = description(top);
            Team team = team(top);
            Classification classification = enumValue(top, "classification", "", Classification.values(), Classification::fromConfig, null);
            CompatibilityMode compatibility = compatibility(top);

            Schema schema = schema(top);
            List<String> keys = keys(top, schema);
            SourceBinding source = source(top, schema);
            List<PiiField> pii = pii(top, schema, classification, keys);
            RuleSet rules = rules(top, schema);
            ServiceLevels slos = slos(top);
            SinkSpec sink = sink(top, schema);

            if (!problems.isEmpty()) {
                return null;
            }
            Path schemaPath = path.resolveSibling(top.get("avroSchema") instanceof Scalar s ? s.text() : "");
            return new Contract(id, version, major, domain, dataProduct, purpose, team, classification, schema, keys,
                    source, pii, rules, slos, sink, compatibility,
                    new ContractLocation(file, display.apply(schemaPath),
                            localFileSystem ? Optional.of(schemaPath.toAbsolutePath().normalize()) : Optional.empty()));
        }

        /** The path must be {@code <domain>/<dataProduct>/v<major>/contract.yaml} under the root. */
        private void checkLayout(Mapping top, String domain, String dataProduct, int major) {
            Path rel = root.relativize(path);
            if (rel.getNameCount() != 4) {
                problem(1, null, "a contract lives at <domain>/<dataProduct>/v<major>/" + CONTRACT_FILE
                        + " under the contracts root, found " + rel);
                return;
            }
            String dirDomain = rel.getName(0).toString();
            String dirProduct = rel.getName(1).toString();
            String dirMajor = rel.getName(2).toString();
            if (domain != null && !domain.equals(dirDomain)) {
                problem(top.lineOf("domain"), null, "domain: '" + domain + "' does not match its directory '" + dirDomain + "'");
            }
            if (dataProduct != null && !dataProduct.equals(dirProduct)) {
                problem(top.lineOf("dataProduct"), null, "dataProduct: '" + dataProduct + "' does not match its directory '" + dirProduct + "'");
            }
            Matcher m = MAJOR_DIR.matcher(dirMajor);
            if (!m.matches()) {
                problem(1, null, "the version directory must be v<major>, found '" + dirMajor + "'");
            } else if (major > 0 && Integer.parseInt(m.group(1)) != major) {
                problem(top.lineOf("version"), null, "version: major " + major + " does not match its directory '" + dirMajor
                        + "' (a new major version is a new directory)");
            }
        }

        private String description(Mapping top) {
            YamlNode node = top.get("description");
            if (node == null) {
                problem(top.line(), null, "description: missing (say what the product is for)");
                return "";
            }
            if (node instanceof Scalar s && s.kind() == Scalar.Kind.STRING) {
                return s.text();
            }
            Mapping m = mapping(node, "description");
            if (m == null) {
                return "";
            }
            unknownKeys(m, "description", Set.of("purpose", "usage", "limitations"));
            String purpose = requiredString(m, "purpose", "description");
            return purpose == null ? "" : purpose;
        }

        private Team team(Mapping top) {
            Mapping m = requiredMapping(top, "team", "");
            if (m == null) {
                return null;
            }
            unknownKeys(m, "team", Set.of("name", "owner", "contact"));
            String name = requiredString(m, "name", "team");
            String owner = requiredString(m, "owner", "team");
            return name == null || owner == null ? null : new Team(name, owner);
        }

        private CompatibilityMode compatibility(Mapping top) {
            YamlNode node = top.get("compatibility");
            if (node == null) {
                return CompatibilityMode.DEFAULT;
            }
            String text = scalarText(node, "compatibility");
            if (text == null) {
                return null;
            }
            return CompatibilityMode.fromConfig(text).orElseGet(() -> {
                problem(node.line(), null, "compatibility: '" + text + "' is not one of "
                        + Arrays.toString(CompatibilityMode.values()));
                return null;
            });
        }

        // --- schema -----------------------------------------------------------------------

        private Schema schema(Mapping top) {
            String avsc = requiredString(top, "avroSchema", "");
            if (avsc == null) {
                return null;
            }
            Schema.Parser parser = new Schema.Parser();
            YamlNode imports = top.get("avroImports");
            if (imports != null) {
                Sequence seq = sequence(imports, "avroImports");
                if (seq != null) {
                    for (YamlNode item : seq.items()) {
                        String name = scalarText(item, "avroImports");
                        if (name != null && parseAvsc(parser, name, item.line(), "avroImports") == null) {
                            return null;
                        }
                    }
                }
            }
            Schema schema = parseAvsc(parser, avsc, top.lineOf("avroSchema"), "avroSchema");
            if (schema == null) {
                return null;
            }
            Path schemaFile = path.resolveSibling(avsc);
            String schemaText = readQuietly(schemaFile);
            if (schema.getType() != Schema.Type.RECORD) {
                problems.add(new Problem(display.apply(schemaFile), 1, null, "the product schema must be an Avro record, found "
                        + schema.getType().getName()));
                return null;
            }
            for (AvroSchemaReader.FieldIssue issue : AvroSchemaReader.invalidLogicalTypes(schema)) {
                problems.add(new Problem(display.apply(schemaFile), AvroSchemaReader.lineQuoting(schemaText, issue.field()),
                        issue.field(), issue.message()));
            }
            return schema;
        }

        private Schema parseAvsc(Schema.Parser parser, String name, int line, String key) {
            Path schemaFile = path.resolveSibling(name);
            if (!Files.isRegularFile(schemaFile)) {
                problem(line, null, key + ": schema file '" + name + "' not found next to the contract");
                return null;
            }
            String text = readQuietly(schemaFile);
            try {
                return AvroSchemaReader.parse(parser, text);
            } catch (AvroSchemaReader.AvroSchemaException e) {
                problems.add(new Problem(display.apply(schemaFile), e.line(), null, e.getMessage()));
                return null;
            }
        }

        private String readQuietly(Path p) {
            try {
                return Files.readString(p, StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        }

        private List<String> keys(Mapping top, Schema schema) {
            YamlNode node = top.get("keys");
            if (node == null) {
                problem(top.line(), null, "keys: missing (the business key fields; they key every Kafka record)");
                return List.of();
            }
            Sequence seq = sequence(node, "keys");
            if (seq == null) {
                return List.of();
            }
            if (seq.items().isEmpty()) {
                problem(node.line(), null, "keys: at least one key field is needed");
            }
            List<String> keys = new ArrayList<>();
            for (YamlNode item : seq.items()) {
                String key = scalarText(item, "keys");
                if (key == null) {
                    continue;
                }
                if (keys.contains(key)) {
                    problem(item.line(), key, "keys: listed twice");
                }
                keys.add(key);
                if (schema != null) {
                    Schema.Field f = schema.getField(key);
                    if (f == null) {
                        problem(item.line(), key, "keys: no such field in schema " + schema.getFullName());
                    } else if (FieldType.of(f.schema()).nullable()) {
                        problem(item.line(), key, "keys: a key field cannot be nullable");
                    } else if (!isKeyable(FieldType.of(f.schema()).kind())) {
                        problem(item.line(), key, "keys: a key field must be a string, enum, number, date or timestamp, found "
                                + FieldType.of(f.schema()).describe());
                    }
                }
            }
            return keys;
        }

        private boolean isKeyable(FieldType.Kind kind) {
            return kind.isTextual() || kind.isNumeric() || kind.isTemporal() || kind == FieldType.Kind.BOOLEAN;
        }

        private List<PiiField> pii(Mapping top, Schema schema, Classification classification, List<String> keys) {
            YamlNode node = top.get("pii");
            if (node == null) {
                return List.of();
            }
            Sequence seq = sequence(node, "pii");
            if (seq == null) {
                return List.of();
            }
            List<PiiField> pii = new ArrayList<>();
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < seq.items().size(); i++) {
                String where = "pii[" + i + "]";
                Mapping m = mapping(seq.items().get(i), where);
                if (m == null) {
                    continue;
                }
                unknownKeys(m, where, Set.of("field", "masking", "description"));
                String field = requiredString(m, "field", where);
                Masking masking = enumValue(m, "masking", where, Masking.values(), Masking::fromConfig, null);
                if (field == null || masking == null) {
                    continue;
                }
                int line = m.lineOf("field");
                if (!seen.add(field)) {
                    problem(line, field, where + ": field listed twice");
                }
                if (schema != null) {
                    Schema.Field f = schema.getField(field);
                    if (f == null) {
                        problem(line, field, where + ": no such field in schema " + schema.getFullName());
                        continue;
                    }
                    FieldType type = FieldType.of(f.schema());
                    boolean text = type.kind() == FieldType.Kind.STRING || type.kind() == FieldType.Kind.UUID;
                    if ((masking == Masking.HASH || masking == Masking.TOKENIZE) && !text) {
                        problem(m.lineOf("masking"), field, where + ": masking " + masking + " needs a string field, found " + type.describe());
                    }
                    if (masking == Masking.REDACT && !text && !type.nullable()) {
                        problem(m.lineOf("masking"), field, where + ": masking redact needs a string or nullable field, found " + type.describe());
                    }
                    if (masking == Masking.REDACT && keys.contains(field)) {
                        problem(m.lineOf("masking"), field, where + ": a key field cannot be redacted (every record would share one key); use hash");
                    }
                }
                pii.add(new PiiField(field, masking));
            }
            if (!pii.isEmpty() && classification == Classification.PUBLIC) {
                problem(top.lineOf("classification"), null, "classification: a public product cannot carry PII fields");
            }
            return pii;
        }

        // --- source -----------------------------------------------------------------------

        private SourceBinding source(Mapping top, Schema schema) {
            Mapping m = requiredMapping(top, "source", "");
            if (m == null) {
                return null;
            }
            Lane lane = enumValue(m, "lane", "source", Lane.values(), Lane::fromConfig, null);
            if (lane == null) {
                return null;
            }
            switch (lane) {
                case CDC -> {
                    unknownKeys(m, "source", Set.of("lane", "connector", "database", "schema", "table"));
                    CdcConnector connector = enumValue(m, "connector", "source", CdcConnector.values(), CdcConnector::fromConfig, null);
                    String database = requiredString(m, "database", "source");
                    Optional<String> dbSchema = optionalString(m, "schema", "source");
                    String table = requiredString(m, "table", "source");
                    if (connector == CdcConnector.MARIADB && dbSchema.isPresent()) {
                        problem(m.lineOf("schema"), null, "source.schema: MariaDB has no schemas inside a database; leave it out");
                    }
                    if (connector == null || database == null || table == null) {
                        return null;
                    }
                    return new SourceBinding.Cdc(connector, database,
                            connector == CdcConnector.POSTGRES ? Optional.of(dbSchema.orElse("public")) : Optional.empty(), table);
                }
                case FILE -> {
                    unknownKeys(m, "source", Set.of("lane", "landing", "format", "csv"));
                    String landing = requiredString(m, "landing", "source");
                    FileFormat format = enumValue(m, "format", "source", FileFormat.values(), FileFormat::fromConfig, FileFormat.CSV);
                    if (landing != null) {
                        try {
                            FileSystems.getDefault().getPathMatcher("glob:" + landing);
                        } catch (IllegalArgumentException e) {
                            problem(m.lineOf("landing"), null, "source.landing: not a valid glob: " + e.getMessage());
                        }
                    }
                    CsvOptions csv = csv(m, format);
                    if (landing == null || format == null || csv == null) {
                        return null;
                    }
                    return new SourceBinding.File(landing, format, csv);
                }
                case EVENT -> {
                    unknownKeys(m, "source", Set.of("lane", "producer"));
                    return new SourceBinding.Event(optionalString(m, "producer", "source"));
                }
                default -> throw new AssertionError(lane);
            }
        }

        private CsvOptions csv(Mapping source, FileFormat format) {
            YamlNode node = source.get("csv");
            if (node == null) {
                return CsvOptions.DEFAULT;
            }
            if (format != FileFormat.CSV) {
                problem(source.lineOf("csv"), null, "source.csv: CSV options given for format " + format);
            }
            Mapping m = mapping(node, "source.csv");
            if (m == null) {
                return null;
            }
            String where = "source.csv";
            unknownKeys(m, where, Set.of("delimiter", "header", "quote", "encoding", "dateFormat", "timestampFormat", "nullValue"));
            CsvOptions d = CsvOptions.DEFAULT;
            Character delimiter = singleChar(m, "delimiter", where, d.delimiter());
            Character quote = singleChar(m, "quote", where, d.quote());
            Boolean header = bool(m, "header", where, d.header());
            Charset encoding = d.encoding();
            Optional<String> enc = optionalString(m, "encoding", where);
            if (enc.isPresent()) {
                try {
                    encoding = Charset.forName(enc.get());
                } catch (IllegalArgumentException e) {
                    problem(m.lineOf("encoding"), null, where + ".encoding: unknown charset '" + enc.get() + "'");
                    encoding = null;
                }
            }
            String dateFormat = dateTimePattern(m, "dateFormat", where, d.dateFormat());
            String timestampFormat = dateTimePattern(m, "timestampFormat", where, d.timestampFormat());
            String nullValue = optionalString(m, "nullValue", where).orElse(d.nullValue());
            if (delimiter == null || quote == null || header == null || encoding == null || dateFormat == null || timestampFormat == null) {
                return null;
            }
            if (delimiter.equals(quote)) {
                problem(m.lineOf("quote"), null, where + ": delimiter and quote must differ");
                return null;
            }
            return new CsvOptions(delimiter, header, quote, encoding, dateFormat, timestampFormat, nullValue);
        }

        private Character singleChar(Mapping m, String key, String where, char fallback) {
            Optional<String> text = optionalString(m, key, where);
            if (text.isEmpty()) {
                return fallback;
            }
            String t = text.get().equals("\\t") ? "\t" : text.get();
            if (t.length() != 1) {
                problem(m.lineOf(key), null, where + "." + key + ": must be a single character, found '" + text.get() + "'");
                return null;
            }
            return t.charAt(0);
        }

        private String dateTimePattern(Mapping m, String key, String where, String fallback) {
            Optional<String> text = optionalString(m, key, where);
            if (text.isEmpty()) {
                return fallback;
            }
            try {
                DateTimeFormatter.ofPattern(text.get());
                return text.get();
            } catch (IllegalArgumentException e) {
                problem(m.lineOf(key), null, where + "." + key + ": not a date-time pattern: " + e.getMessage());
                return null;
            }
        }

        // --- rules ------------------------------------------------------------------------

        private RuleSet rules(Mapping top, Schema schema) {
            YamlNode node = top.get("quality");
            List<QualityRule> rules = new ArrayList<>();
            List<Integer> lines = new ArrayList<>();
            if (node != null) {
                Sequence seq = sequence(node, "quality");
                if (seq != null) {
                    Set<String> ids = new HashSet<>();
                    for (int i = 0; i < seq.items().size(); i++) {
                        String where = "quality[" + i + "]";
                        Mapping m = mapping(seq.items().get(i), where);
                        if (m == null) {
                            continue;
                        }
                        QualityRule rule = rule(m, where);
                        if (rule == null) {
                            continue;
                        }
                        if (!ids.add(rule.id())) {
                            problem(m.lineOf("id"), rule.field(), where + ": rule id '" + rule.id() + "' is used twice");
                        }
                        rules.add(rule);
                        lines.add(rule instanceof QualityRule.Cel ? m.lineOf("expression") : m.lineOf("field"));
                    }
                }
            }
            if (schema == null) {
                return null;
            }
            // Type-check each rule alone, so every bad rule is reported, not only the first.
            RuleCompiler compiler = new RuleCompiler(schema);
            boolean allGood = true;
            for (int i = 0; i < rules.size(); i++) {
                try {
                    compiler.compile(rules.get(i));
                } catch (RuleTypeException e) {
                    problem(lines.get(i), e.field(), "quality[" + i + "]: " + e.getMessage());
                    allGood = false;
                }
            }
            if (!allGood) {
                return null;
            }
            try {
                return RuleSet.compile(schema, rules, clock);
            } catch (RuleSet.InvalidRuleException e) {
                throw new IllegalStateException("rule passed its check but failed to compile: " + e.getMessage(), e);
            }
        }

        private static final Map<RuleKind, Set<String>> RULE_KEYS = Map.of(
                RuleKind.REQUIRED, Set.of("allowBlank"),
                RuleKind.RANGE, Set.of("min", "max", "minInclusive", "maxInclusive"),
                RuleKind.REGEX, Set.of("pattern"),
                RuleKind.ALLOWED_VALUES, Set.of("values"),
                RuleKind.MAX_LENGTH, Set.of("maxLength"),
                RuleKind.NOT_IN_FUTURE, Set.of("clockSkew"),
                RuleKind.CEL, Set.of("expression"));

        private QualityRule rule(Mapping m, String where) {
            String id = requiredString(m, "id", where);
            if (id != null && !RULE_ID.matcher(id).matches()) {
                problem(m.lineOf("id"), null, where + ".id: '" + id + "' must be lower-case letters, digits, '-', '_' or '.' (it is a metric label)");
            }
            RuleKind kind = enumValue(m, "kind", where, RuleKind.values(), RuleKind::fromConfig, null);
            Severity severity = enumValue(m, "severity", where, Severity.values(), Severity::fromConfig, Severity.ERROR);
            String description = optionalString(m, "description", where).orElse("");
            if (kind == null) {
                return null;
            }
            Set<String> allowed = new HashSet<>(RULE_KEYS.get(kind));
            allowed.addAll(Set.of("id", "kind", "severity", "description"));
            if (kind != RuleKind.CEL) {
                allowed.add("field");
            }
            unknownKeys(m, where, allowed);
            String field = kind == RuleKind.CEL ? null : requiredString(m, "field", where);
            if (id == null || severity == null || (kind != RuleKind.CEL && field == null)) {
                return null;
            }
            switch (kind) {
                case REQUIRED -> {
                    Boolean allowBlank = bool(m, "allowBlank", where, false);
                    return allowBlank == null ? null : new QualityRule.Required(id, severity, field, allowBlank, description);
                }
                case RANGE -> {
                    Optional<BigDecimal> min = number(m, "min", where, field);
                    Optional<BigDecimal> max = number(m, "max", where, field);
                    Boolean minInclusive = bool(m, "minInclusive", where, true);
                    Boolean maxInclusive = bool(m, "maxInclusive", where, true);
                    if (min == null || max == null || minInclusive == null || maxInclusive == null) {
                        return null;
                    }
                    if (min.isEmpty() && max.isEmpty()) {
                        problem(m.line(), field, where + ": a range rule needs min, max or both");
                        return null;
                    }
                    if (min.isPresent() && max.isPresent()) {
                        int c = min.get().compareTo(max.get());
                        if (c > 0 || (c == 0 && !(minInclusive && maxInclusive))) {
                            problem(m.lineOf("max"), field, where + ": the range is empty (min " + min.get().toPlainString()
                                    + ", max " + max.get().toPlainString() + ")");
                            return null;
                        }
                    }
                    return new QualityRule.Range(id, severity, field, min, minInclusive, max, maxInclusive, description);
                }
                case REGEX -> {
                    String pattern = requiredString(m, "pattern", where);
                    if (pattern == null) {
                        return null;
                    }
                    try {
                        return new QualityRule.Regex(id, severity, field, Pattern.compile(pattern), description);
                    } catch (PatternSyntaxException e) {
                        problem(m.lineOf("pattern"), field, where + ".pattern: not a valid regular expression: " + e.getDescription()
                                + " near index " + e.getIndex());
                        return null;
                    }
                }
                case ALLOWED_VALUES -> {
                    YamlNode valuesNode = m.get("values");
                    if (valuesNode == null) {
                        problem(m.line(), field, where + ".values: missing");
                        return null;
                    }
                    Sequence seq = sequence(valuesNode, where + ".values");
                    if (seq == null) {
                        return null;
                    }
                    List<String> values = new ArrayList<>();
                    for (YamlNode v : seq.items()) {
                        String text = scalarText(v, where + ".values");
                        if (text == null) {
                            return null;
                        }
                        values.add(text);
                    }
                    return new QualityRule.AllowedValues(id, severity, field, values, description);
                }
                case MAX_LENGTH -> {
                    Optional<BigDecimal> max = number(m, "maxLength", where, field);
                    if (max == null) {
                        return null;
                    }
                    if (max.isEmpty()) {
                        problem(m.line(), field, where + ".maxLength: missing");
                        return null;
                    }
                    try {
                        return new QualityRule.MaxLength(id, severity, field, max.get().intValueExact(), description);
                    } catch (ArithmeticException e) {
                        problem(m.lineOf("maxLength"), field, where + ".maxLength: must be a whole number");
                        return null;
                    }
                }
                case NOT_IN_FUTURE -> {
                    Duration skew = duration(m, "clockSkew", where, Duration.ZERO);
                    return skew == null ? null : new QualityRule.NotInFuture(id, severity, field, skew, description);
                }
                case CEL -> {
                    String expression = requiredString(m, "expression", where);
                    return expression == null ? null : new QualityRule.Cel(id, severity, expression, description);
                }
                default -> throw new AssertionError(kind);
            }
        }

        // --- SLOs and sink ----------------------------------------------------------------

        private ServiceLevels slos(Mapping top) {
            YamlNode node = top.get("slaProperties");
            if (node == null) {
                return ServiceLevels.NONE;
            }
            Sequence seq = sequence(node, "slaProperties");
            if (seq == null) {
                return null;
            }
            Optional<Duration> freshness = Optional.empty();
            OptionalDouble completeness = OptionalDouble.empty();
            for (int i = 0; i < seq.items().size(); i++) {
                String where = "slaProperties[" + i + "]";
                Mapping m = mapping(seq.items().get(i), where);
                if (m == null) {
                    continue;
                }
                unknownKeys(m, where, Set.of("property", "value", "unit", "element", "description"));
                String property = requiredString(m, "property", where);
                String value = requiredString(m, "value", where);
                if (property == null || value == null) {
                    continue;
                }
                String unit = optionalString(m, "unit", where).orElse("");
                switch (property) {
                    case "freshness" -> {
                        try {
                            freshness = Optional.of(Durations.parse(value + unit));
                        } catch (RuntimeException e) {
                            problem(m.lineOf("value"), null, where + ": freshness '" + value + unit + "' is not a duration (e.g. 15m, PT15M)");
                        }
                    }
                    case "completeness" -> {
                        try {
                            double share = new BigDecimal(value).doubleValue();
                            if ("%".equals(unit)) {
                                share /= 100;
                            }
                            if (!(share > 0 && share <= 1)) {
                                problem(m.lineOf("value"), null, where + ": completeness must be in (0, 1] (or (0, 100] with unit %)");
                            } else {
                                completeness = OptionalDouble.of(share);
                            }
                        } catch (NumberFormatException e) {
                            problem(m.lineOf("value"), null, where + ": completeness '" + value + "' is not a number");
                        }
                    }
                    default -> problem(m.lineOf("property"), null, where + ".property: '" + property
                            + "' is not one the spine enforces; expected freshness or completeness");
                }
            }
            return new ServiceLevels(freshness, completeness);
        }

        private SinkSpec sink(Mapping top, Schema schema) {
            Mapping m = requiredMapping(top, "sink", "");
            if (m == null) {
                return null;
            }
            unknownKeys(m, "sink", Set.of("bronze", "silver", "retention"));
            Boolean bronze = bool(m, "bronze", "sink", true);
            Duration retention = duration(m, "retention", "sink", null);
            if (retention == null && m.get("retention") == null) {
                problem(m.line(), null, "sink.retention: missing (how long records are kept, e.g. 7y)");
            }
            Mapping silver = requiredMapping(m, "silver", "sink");
            SilverMode mode = null;
            Optional<String> partition = Optional.empty();
            if (silver != null) {
                unknownKeys(silver, "sink.silver", Set.of("mode", "partitionColumn"));
                mode = enumValue(silver, "mode", "sink.silver", SilverMode.values(), SilverMode::fromConfig, null);
                partition = optionalString(silver, "partitionColumn", "sink.silver");
                if (partition.isPresent() && schema != null) {
                    Schema.Field f = schema.getField(partition.get());
                    if (f == null) {
                        problem(silver.lineOf("partitionColumn"), partition.get(), "sink.silver.partitionColumn: no such field in schema "
                                + schema.getFullName());
                    } else {
                        FieldType type = FieldType.of(f.schema());
                        if (!(type.kind().isTextual() || type.kind() == FieldType.Kind.DATE || type.kind() == FieldType.Kind.INT
                                || type.kind() == FieldType.Kind.LONG || type.kind() == FieldType.Kind.BOOLEAN)) {
                            problem(silver.lineOf("partitionColumn"), partition.get(), "sink.silver.partitionColumn: partition by a date, string, "
                                    + "int, long or boolean field, not " + type.describe());
                        }
                    }
                }
            }
            if (bronze == null || retention == null || mode == null) {
                return null;
            }
            return new SinkSpec(bronze, mode, partition, retention);
        }

        // --- typed access with problems ---------------------------------------------------

        private String at(String where, String key) {
            return where.isEmpty() ? key : where + "." + key;
        }

        private void unknownKeys(Mapping m, String where, Set<String> allowed) {
            for (String key : m.entries().keySet()) {
                if (!allowed.contains(key)) {
                    problem(m.lineOf(key), null, "unknown key '" + at(where, key) + "'; expected one of "
                            + allowed.stream().sorted().collect(Collectors.joining(", ")));
                }
            }
        }

        private Mapping mapping(YamlNode node, String where) {
            if (node instanceof Mapping m) {
                return m;
            }
            problem(node.line(), null, where + ": expected a mapping, found " + node.describe());
            return null;
        }

        private Mapping requiredMapping(Mapping parent, String key, String where) {
            YamlNode node = parent.get(key);
            if (node == null) {
                problem(parent.line(), null, at(where, key) + ": missing");
                return null;
            }
            return mapping(node, at(where, key));
        }

        private Sequence sequence(YamlNode node, String where) {
            if (node instanceof Sequence s) {
                return s;
            }
            problem(node.line(), null, where + ": expected a list, found " + node.describe());
            return null;
        }

        private String scalarText(YamlNode node, String where) {
            if (node instanceof Scalar s && !s.isNull()) {
                return s.text();
            }
            problem(node.line(), null, where + ": expected a value, found " + node.describe());
            return null;
        }

        private String requiredString(Mapping m, String key, String where) {
            YamlNode node = m.get(key);
            if (node == null) {
                problem(m.line(), null, at(where, key) + ": missing");
                return null;
            }
            String text = scalarText(node, at(where, key));
            if (text != null && text.isBlank()) {
                problem(node.line(), null, at(where, key) + ": must not be blank");
                return null;
            }
            return text;
        }

        private Optional<String> optionalString(Mapping m, String key, String where) {
            YamlNode node = m.get(key);
            return node == null ? Optional.empty() : Optional.ofNullable(scalarText(node, at(where, key)));
        }

        private String name(Mapping m, String key) {
            String value = requiredString(m, key, "");
            if (value != null && !NAME.matcher(value).matches()) {
                problem(m.lineOf(key), null, key + ": '" + value + "' must be lower-case letters, digits and '_', starting with a letter "
                        + "(it is part of topic and table names)");
                return null;
            }
            return value;
        }

        private Boolean bool(Mapping m, String key, String where, Boolean fallback) {
            YamlNode node = m.get(key);
            if (node == null) {
                return fallback;
            }
            if (node instanceof Scalar s && s.kind() == Scalar.Kind.BOOLEAN) {
                return Boolean.parseBoolean(s.text());
            }
            problem(node.line(), null, at(where, key) + ": expected true or false, found " + node.describe());
            return null;
        }

        /** Empty when absent; null (with a problem) when present but not a number. */
        private Optional<BigDecimal> number(Mapping m, String key, String where, String field) {
            YamlNode node = m.get(key);
            if (node == null) {
                return Optional.empty();
            }
            if (node instanceof Scalar s && !s.isNull()) {
                try {
                    return Optional.of(new BigDecimal(s.text().trim().replace("_", "")));
                } catch (NumberFormatException e) {
                    // fall through
                }
            }
            problem(node.line(), field, at(where, key) + ": expected a number, found " + node.describe()
                    + (node instanceof Scalar s && s.text() != null ? " '" + s.text() + "'" : ""));
            return null;
        }

        private Duration duration(Mapping m, String key, String where, Duration fallback) {
            YamlNode node = m.get(key);
            if (node == null) {
                return fallback;
            }
            String text = scalarText(node, at(where, key));
            if (text == null) {
                return null;
            }
            try {
                return Durations.parse(text);
            } catch (RuntimeException e) {
                problem(node.line(), null, at(where, key) + ": '" + text + "' is not a duration (e.g. 5m, 7d, 7y, PT5M)");
                return null;
            }
        }

        private <E extends Enum<E>> E enumValue(Mapping m, String key, String where, E[] values,
                                                Function<String, Optional<E>> parse, E fallback) {
            YamlNode node = m.get(key);
            if (node == null) {
                if (fallback == null) {
                    problem(m.line(), null, at(where, key) + ": missing; expected one of " + Arrays.toString(values));
                }
                return fallback;
            }
            String text = scalarText(node, at(where, key));
            if (text == null) {
                return null;
            }
            return parse.apply(text).orElseGet(() -> {
                problem(node.line(), null, at(where, key) + ": '" + text + "' is not one of " + Arrays.toString(values));
                return null;
            });
        }
    }
}
