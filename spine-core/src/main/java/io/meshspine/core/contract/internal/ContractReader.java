package io.meshspine.core.contract.internal;

import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractLocation;
import io.meshspine.core.contract.DataSubject;
import io.meshspine.core.contract.EventIdentity;
import io.meshspine.core.contract.PiiField;
import io.meshspine.core.contract.Problem;
import io.meshspine.core.contract.RuleSet;
import io.meshspine.core.contract.ServiceLevels;
import io.meshspine.core.contract.SinkSpec;
import io.meshspine.core.contract.SourceBinding;
import io.meshspine.core.contract.internal.YamlNode.Mapping;
import io.meshspine.core.contract.internal.YamlNode.Scalar;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.apache.avro.Schema;

/**
 * Reads every {@code <domain>/<dataProduct>/v<major>/contract.yaml} under a root, with its Avro
 * schema, into {@link Contract}s. It never stops at the first fault: every problem in every file is
 * collected with its file, line and field, and a contract with any problem is left out. Each
 * section of a contract is read by its own class ({@link HeaderSection}, {@link SchemaSection},
 * {@link KeysSection}, {@link DedupSection}, ...) over one {@link ContractFile}.
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

    /**
     * Build output, sources and hidden directories are not part of the tree: the {@code schemas}
     * module's root is the tree, and its {@code target/classes/contracts} holds copies.
     */
    private static final Set<String> SKIPPED_DIRECTORIES = Set.of("target", "src", "node_modules");

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
        for (Path path : files) {
            ContractFile file = new ContractFile(path, display);
            Contract contract = read(file);
            problems.addAll(file.problems());
            if (contract != null) {
                Contract clash = byProductTopic.putIfAbsent(contract.productTopic(), contract);
                if (clash != null) {
                    problems.add(new Problem(file.name(), 1, null, "contract " + contract.qualifiedName()
                            + " is also declared by " + clash.location().contractFile()));
                } else {
                    contracts.add(contract);
                }
            }
        }
        return new Result(contracts, problems);
    }

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

    /** One contract file, or null when it has any problem (they are in {@code file}). */
    private Contract read(ContractFile file) {
        String text;
        try {
            text = Files.readString(file.path(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            file.problem(0, null, "cannot read: " + e.getMessage());
            return null;
        }
        YamlNode tree;
        try {
            tree = YamlReader.read(text);
        } catch (YamlReader.YamlException e) {
            file.problem(e.line(), null, e.getMessage());
            return null;
        }
        if (!(tree instanceof Mapping top)) {
            file.problem(tree.line(), null, "a contract must be a mapping of keys, found " + tree.describe());
            return null;
        }
        return contract(file, top);
    }

    /** The sections in the order their problems are reported. */
    private Contract contract(ContractFile file, Mapping top) {
        HeaderSection.Header header = new HeaderSection(file, root).read(top);
        Schema schema = new SchemaSection(file).read(top);
        List<String> keys = new KeysSection(file).read(top, schema);
        EventIdentity dedup = new DedupSection(file).read(top, schema);
        SourceBinding source = new SourceSection(file).read(top);
        List<PiiField> pii = new PiiSection(file).read(top, schema, header.classification(), keys);
        DataSubject subject = new SubjectSection(file).read(top, schema, pii);
        RuleSet rules = new RulesSection(file, clock).read(top, schema);
        ServiceLevels slos = new ServiceLevelsSection(file).read(top);
        SinkSpec sink = new SinkSection(file).read(top, schema);

        if (file.hasProblems()) {
            return null;
        }
        Path schemaPath = file.sibling(top.get("avroSchema") instanceof Scalar s ? s.text() : "");
        return new Contract(header.id(), header.version(), header.majorVersion(), header.domain(), header.dataProduct(),
                header.purpose(), header.team(), header.classification(), schema, keys, dedup, subject, source, pii, rules, slos, sink,
                header.compatibility(),
                new ContractLocation(file.name(), file.display(schemaPath),
                        localFileSystem ? Optional.of(schemaPath.toAbsolutePath().normalize()) : Optional.empty()));
    }
}
