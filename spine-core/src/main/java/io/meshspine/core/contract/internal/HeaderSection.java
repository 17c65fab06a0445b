package io.meshspine.core.contract.internal;

import io.meshspine.core.contract.Classification;
import io.meshspine.core.contract.CompatibilityMode;
import io.meshspine.core.contract.Team;
import io.meshspine.core.contract.internal.YamlNode.Mapping;
import io.meshspine.core.contract.internal.YamlNode.Scalar;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The top of a contract: which keys it may have, what the product is (id, version, domain,
 * data product), who owns it, how sensitive it is, its compatibility mode, and that the file sits
 * at {@code <domain>/<dataProduct>/v<major>/contract.yaml}.
 */
final class HeaderSection {

    /** What the header declares; any part may be null when it had a problem. */
    record Header(String id, String version, int majorVersion, String domain, String dataProduct, String purpose,
                  Team team, Classification classification, CompatibilityMode compatibility) {
    }

    private static final Set<String> TOP_KEYS = Set.of("apiVersion", "kind", "id", "name", "version", "status",
            "domain", "dataProduct", "tenant", "description", "team", "classification", "avroSchema", "avroImports",
            "keys", "dedup", "subject", "source", "pii", "quality", "slaProperties", "sink", "compatibility", "tags",
            "customProperties");

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");
    private static final Pattern SEMVER = Pattern.compile("(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)([-+][0-9A-Za-z.+-]+)?");
    private static final Pattern MAJOR_DIR = Pattern.compile("v([1-9]\\d*)");

    private final ContractFile file;
    private final Path root;

    /** @param root the contracts root, against which the file's layout is checked */
    HeaderSection(ContractFile file, Path root) {
        this.file = file;
        this.root = root;
    }

    Header read(Mapping top) {
        file.unknownKeys(top, "", TOP_KEYS);
        file.optionalString(top, "apiVersion", "").ifPresent(v -> {
            if (!v.startsWith("v3")) {
                file.problem(top.lineOf("apiVersion"), null, "apiVersion: only ODCS v3 contracts are supported, found '" + v + "'");
            }
        });
        file.optionalString(top, "kind", "").ifPresent(v -> {
            if (!v.equals("DataContract")) {
                file.problem(top.lineOf("kind"), null, "kind: must be DataContract, found '" + v + "'");
            }
        });
        String domain = name(top, "domain");
        String dataProduct = name(top, "dataProduct");
        String id = file.requiredString(top, "id", "");
        if (id != null && domain != null && dataProduct != null && !id.equals(domain + "." + dataProduct)) {
            file.problem(top.lineOf("id"), null, "id: must be '" + domain + "." + dataProduct + "' (domain.dataProduct), found '" + id + "'");
        }
        String version = file.requiredString(top, "version", "");
        int major = 0;
        if (version != null) {
            Matcher m = SEMVER.matcher(version);
            if (m.matches()) {
                major = Integer.parseInt(m.group(1));
                if (major == 0) {
                    file.problem(top.lineOf("version"), null, "version: major version 0 is not a product version; start at 1.0.0");
                }
            } else {
                file.problem(top.lineOf("version"), null, "version: must be a semantic version like 1.2.0, found '" + version + "'");
            }
        }
        checkLayout(top, domain, dataProduct, major);

        String purpose = description(top);
        Team team = team(top);
        Classification classification = file.enumValue(top, "classification", "", Classification.values(),
                Classification::fromConfig, null);
        CompatibilityMode compatibility = compatibility(top);
        return new Header(id, version, major, domain, dataProduct, purpose, team, classification, compatibility);
    }

    /** The path must be {@code <domain>/<dataProduct>/v<major>/contract.yaml} under the root. */
    private void checkLayout(Mapping top, String domain, String dataProduct, int major) {
        Path rel = root.relativize(file.path());
        if (rel.getNameCount() != 4) {
            file.problem(1, null, "a contract lives at <domain>/<dataProduct>/v<major>/" + ContractReader.CONTRACT_FILE
                    + " under the contracts root, found " + rel);
            return;
        }
        String dirDomain = rel.getName(0).toString();
        String dirProduct = rel.getName(1).toString();
        String dirMajor = rel.getName(2).toString();
        if (domain != null && !domain.equals(dirDomain)) {
            file.problem(top.lineOf("domain"), null, "domain: '" + domain + "' does not match its directory '" + dirDomain + "'");
        }
        if (dataProduct != null && !dataProduct.equals(dirProduct)) {
            file.problem(top.lineOf("dataProduct"), null, "dataProduct: '" + dataProduct + "' does not match its directory '" + dirProduct + "'");
        }
        Matcher m = MAJOR_DIR.matcher(dirMajor);
        if (!m.matches()) {
            file.problem(1, null, "the version directory must be v<major>, found '" + dirMajor + "'");
        } else if (major > 0 && Integer.parseInt(m.group(1)) != major) {
            file.problem(top.lineOf("version"), null, "version: major " + major + " does not match its directory '" + dirMajor
                    + "' (a new major version is a new directory)");
        }
    }

    /** Domain and data product are parts of topic and table names, so they are held to a name's shape. */
    private String name(Mapping m, String key) {
        String value = file.requiredString(m, key, "");
        if (value != null && !NAME.matcher(value).matches()) {
            file.problem(m.lineOf(key), null, key + ": '" + value + "' must be lower-case letters, digits and '_', starting with a letter "
                    + "(it is part of topic and table names)");
            return null;
        }
        return value;
    }

    private String description(Mapping top) {
        YamlNode node = top.get("description");
        if (node == null) {
            file.problem(top.line(), null, "description: missing (say what the product is for)");
            return "";
        }
        if (node instanceof Scalar s && s.kind() == Scalar.Kind.STRING) {
            return s.text();
        }
        Mapping m = file.mapping(node, "description");
        if (m == null) {
            return "";
        }
        file.unknownKeys(m, "description", Set.of("purpose", "usage", "limitations"));
        String purpose = file.requiredString(m, "purpose", "description");
        return purpose == null ? "" : purpose;
    }

    private Team team(Mapping top) {
        Mapping m = file.requiredMapping(top, "team", "");
        if (m == null) {
            return null;
        }
        file.unknownKeys(m, "team", Set.of("name", "owner", "contact"));
        String name = file.requiredString(m, "name", "team");
        String owner = file.requiredString(m, "owner", "team");
        return name == null || owner == null ? null : new Team(name, owner);
    }

    private CompatibilityMode compatibility(Mapping top) {
        YamlNode node = top.get("compatibility");
        if (node == null) {
            return CompatibilityMode.DEFAULT;
        }
        String text = file.scalarText(node, "compatibility");
        if (text == null) {
            return null;
        }
        return CompatibilityMode.fromConfig(text).orElseGet(() -> {
            file.problem(node.line(), null, "compatibility: '" + text + "' is not one of "
                    + Arrays.toString(CompatibilityMode.values()));
            return null;
        });
    }
}
