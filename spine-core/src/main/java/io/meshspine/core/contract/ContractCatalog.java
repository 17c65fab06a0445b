package io.meshspine.core.contract;

import io.meshspine.core.contract.internal.ContractReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Every contract of a contracts tree ({@code <domain>/<dataProduct>/v<major>/contract.yaml}), read
 * from a directory or from the classpath (the {@code schemas} module packages its tree under
 * {@value #CLASSPATH_PREFIX}/). Loading is all or nothing: a tree with any problem throws
 * {@link InvalidContractsException} listing them all; {@link ContractValidator} returns them instead.
 */
public final class ContractCatalog {

    public static final String CLASSPATH_PREFIX = "contracts";

    private final List<Contract> contracts;
    private final Map<String, Contract> byProductTopic;

    private ContractCatalog(List<Contract> contracts) {
        List<Contract> sorted = new ArrayList<>(contracts);
        sorted.sort(Comparator.comparing(Contract::id).thenComparingInt(Contract::majorVersion));
        this.contracts = List.copyOf(sorted);
        Map<String, Contract> topics = new HashMap<>();
        sorted.forEach(c -> topics.put(c.productTopic(), c));
        this.byProductTopic = Map.copyOf(topics);
    }

    /** Loads every contract under {@code root}; throws with every problem if any contract is wrong. */
    public static ContractCatalog load(Path root) {
        return fromResult(read(root, Clock.systemUTC()));
    }

    /** As {@link #load(Path)}, with the clock the contracts' not-in-future rules read. */
    public static ContractCatalog load(Path root, Clock clock) {
        return fromResult(read(root, clock));
    }

    /** Loads the contracts packaged under {@value #CLASSPATH_PREFIX}/ on the context class loader's classpath. */
    public static ContractCatalog fromClasspath() {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        return fromClasspath(CLASSPATH_PREFIX, loader != null ? loader : ContractCatalog.class.getClassLoader());
    }

    public static ContractCatalog fromClasspath(String prefix, ClassLoader loader) {
        return fromResult(readClasspath(prefix, loader, Clock.systemUTC()));
    }

    /** A catalog of already-built contracts (tests, tools that assemble their own). */
    public static ContractCatalog of(List<Contract> contracts) {
        return new ContractCatalog(contracts);
    }

    static ContractReader.Result read(Path root, Clock clock) {
        Path cwd = Path.of("").toAbsolutePath();
        Function<Path, String> display = p -> {
            Path abs = p.toAbsolutePath().normalize();
            return abs.startsWith(cwd) ? cwd.relativize(abs).toString() : abs.toString();
        };
        return new ContractReader(root, display, clock).readAll();
    }

    static ContractReader.Result readClasspath(String prefix, ClassLoader loader, Clock clock) {
        String dir = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
        List<Contract> contracts = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        try {
            Enumeration<URL> roots = loader.getResources(dir);
            if (!roots.hasMoreElements()) {
                problems.add(new Problem("classpath:" + dir, 0, null, "no contracts on the classpath (is the schemas module a dependency?)"));
            }
            Map<String, String> seenTopics = new HashMap<>();
            for (URL url : Collections.list(roots)) {
                ContractReader.Result result = readClasspathRoot(url, dir, clock);
                problems.addAll(result.problems());
                for (Contract c : result.contracts()) {
                    String earlier = seenTopics.putIfAbsent(c.productTopic(), url.toString());
                    if (earlier != null) {
                        // two jars (or a jar and a directory) both ship it: which one wins would be luck
                        problems.add(new Problem(c.location().contractFile(), 0, null, "contract " + c.qualifiedName()
                                + " is on the classpath twice: " + earlier + " and " + url));
                    } else {
                        contracts.add(c);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list classpath contracts under " + dir, e);
        }
        return new ContractReader.Result(contracts, problems);
    }

    private static ContractReader.Result readClasspathRoot(URL url, String dir, Clock clock) throws IOException {
        URI uri;
        try {
            uri = url.toURI();
        } catch (URISyntaxException e) {
            throw new IOException("unreadable classpath URL " + url, e);
        }
        if ("jar".equals(uri.getScheme())) {
            FileSystem fs;
            boolean opened;
            try {
                fs = FileSystems.newFileSystem(uri, Map.of());
                opened = true;
            } catch (FileSystemAlreadyExistsException e) {
                fs = FileSystems.getFileSystem(uri);
                opened = false;
            }
            try {
                Path root = fs.getPath(dir);
                // contracts are read eagerly, so the jar's file system can be closed right after
                return new ContractReader(root, p -> "classpath:" + dir + "/" + root.relativize(p), clock).readAll();
            } finally {
                if (opened) {
                    fs.close();
                }
            }
        }
        Path root = Path.of(uri);
        return new ContractReader(root, p -> "classpath:" + dir + "/" + root.relativize(p).toString().replace('\\', '/'), clock).readAll();
    }

    private static ContractCatalog fromResult(ContractReader.Result result) {
        if (!result.problems().isEmpty()) {
            throw new InvalidContractsException(result.problems());
        }
        return new ContractCatalog(result.contracts());
    }

    /** All contracts, by id then major version. */
    public List<Contract> contracts() {
        return contracts;
    }

    public Optional<Contract> find(String id, int majorVersion) {
        return contracts.stream().filter(c -> c.id().equals(id) && c.majorVersion() == majorVersion).findFirst();
    }

    /** The highest major version of a product. */
    public Optional<Contract> latest(String id) {
        return contracts.stream().filter(c -> c.id().equals(id)).max(Comparator.comparingInt(Contract::majorVersion));
    }

    public Optional<Contract> byProductTopic(String topic) {
        return Optional.ofNullable(byProductTopic.get(Objects.requireNonNull(topic)));
    }

    /** Every major version reading a raw topic (they share it), lowest first. */
    public List<Contract> byRawTopic(String topic) {
        return contracts.stream().filter(c -> c.rawTopic().equals(topic)).toList();
    }
}
