package io.meshspine.cli.run;

import io.meshspine.core.config.ConfigDef;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The README's configuration tables, rendered from the services' declared settings. The README holds them between two
 * markers; {@code ConfigDocsAreCurrentTest} fails when they drift, and {@link #main} rewrites them.
 */
public final class ConfigDocs {

    public static final String BEGIN = "<!-- config-tables:begin (generated from the declared settings; do not edit) -->";
    public static final String END = "<!-- config-tables:end -->";
    public static final String REGENERATE_COMMAND = "./mvnw -B -q -pl spine-cli -am process-classes -Dspine.docs.write=true";

    private ConfigDocs() {
    }

    public static String render() {
        StringBuilder md = new StringBuilder();
        for (SpineService s : Services.ALL) {
            ConfigDef def = s.definition();
            md.append("\n#### `./spine run ").append(s.name()).append("`: ").append(s.description()).append("\n\n");
            md.append(def.markdownTable());
        }
        return md.toString();
    }

    /** {@code readme} with the section between the markers replaced by a fresh rendering. */
    public static String rewrite(String readme) {
        int begin = readme.indexOf(BEGIN);
        int end = readme.indexOf(END);
        if (begin < 0 || end < begin) {
            throw new IllegalStateException("README.md lacks the markers " + BEGIN + " ... " + END);
        }
        return readme.substring(0, begin + BEGIN.length()) + "\n" + render() + "\n" + readme.substring(end);
    }

    public static void main(String[] args) throws IOException {
        Path readme = Path.of(args[0]);
        String current = Files.readString(readme, StandardCharsets.UTF_8);
        String fresh = rewrite(current);
        if (!fresh.equals(current)) {
            Files.writeString(readme, fresh, StandardCharsets.UTF_8);
            System.out.println("config tables rewritten in " + readme);
        }
    }
}
