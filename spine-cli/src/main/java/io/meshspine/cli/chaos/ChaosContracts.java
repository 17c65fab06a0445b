package io.meshspine.cli.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The contracts of a chaos run: the repository's own ({@code schemas/}), copied as they are except that each CDC
 * contract names the run's own source database, so the run never touches a database it did not create. Every service
 * reads them through {@code contracts.dir}, as an operator's deployment would.
 */
final class ChaosContracts {

    private ChaosContracts() {
    }

    /**
     * @param databases contract id -> the run's database for it (e.g. {@code crm.customers -> chaos_1a2b_crm})
     */
    static Path copy(Path schemas, Path target, Map<String, String> databases) {
        List<Path> contracts;
        try (Stream<Path> files = Files.walk(schemas)) {
            contracts = files.filter(f -> f.getFileName().toString().equals("contract.yaml"))
                    .filter(f -> !schemas.relativize(f).startsWith("src") && !schemas.relativize(f).startsWith("target"))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the contracts under " + schemas + " (./spine chaos runs from the repository)", e);
        }
        if (contracts.isEmpty()) {
            throw new IllegalStateException("no contract.yaml under " + schemas);
        }
        try {
            for (Path contract : contracts) {
                Path dir = contract.getParent();
                Path to = target.resolve(schemas.relativize(dir).toString());
                Files.createDirectories(to);
                try (Stream<Path> files = Files.list(dir)) {
                    for (Path f : files.filter(Files::isRegularFile).toList()) {
                        String text = Files.readString(f, StandardCharsets.UTF_8);
                        if (f.equals(contract)) {
                            text = renameDatabase(text, databases);
                        }
                        Files.writeString(to.resolve(f.getFileName().toString()), text, StandardCharsets.UTF_8);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy the contracts into " + target, e);
        }
        return target;
    }

    private static String renameDatabase(String contract, Map<String, String> databases) {
        for (var e : databases.entrySet()) {
            if (contract.lines().anyMatch(l -> l.equals("id: " + e.getKey()))) {
                String renamed = contract.replaceFirst("(?m)^(  database: ).*$", "$1" + e.getValue());
                if (renamed.equals(contract)) {
                    throw new IllegalStateException("the contract " + e.getKey() + " names no source database to replace");
                }
                return renamed;
            }
        }
        return contract;
    }
}
