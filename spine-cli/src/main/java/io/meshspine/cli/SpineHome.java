package io.meshspine.cli;

import java.nio.file.Path;

/** Where `./spine` runs from (the repository, passed as {@code -Dspine.home}); the defaults of ./lake, ./landing, schemas/. */
public final class SpineHome {

    private SpineHome() {
    }

    /** {@code given} when set, else {@code <spine.home>/<name>} (the working directory without spine.home), absolute. */
    public static Path orDefault(Path given, String name) {
        Path chosen = given != null ? given : Path.of(System.getProperty("spine.home", ".")).resolve(name);
        return chosen.toAbsolutePath().normalize();
    }
}
