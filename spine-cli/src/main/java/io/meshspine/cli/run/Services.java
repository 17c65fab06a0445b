package io.meshspine.cli.run;

import java.util.List;
import java.util.Optional;

/** Every service `./spine run` knows, in one place (the README's config tables are generated from this list). */
public final class Services {

    public static final List<SpineService> ALL = List.of(new GateService(), new IngestService(), new SinkRunService(), new DlqApiService());

    private Services() {
    }

    public static Optional<SpineService> find(String name) {
        return ALL.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    public static List<String> names() {
        return ALL.stream().map(SpineService::name).toList();
    }
}
