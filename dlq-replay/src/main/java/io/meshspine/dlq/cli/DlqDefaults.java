package io.meshspine.dlq.cli;

import io.meshspine.core.config.CommonSettings;
import io.meshspine.core.config.Setting;
import io.meshspine.dlq.DlqSettings;
import picocli.CommandLine;

import java.util.Map;

/**
 * The defaults of {@code spine dlq}'s options, from the settings' one declaration ({@link DlqSettings},
 * {@link CommonSettings}): the setting's environment variable when set, else its declared default.
 */
final class DlqDefaults implements CommandLine.IDefaultValueProvider {

    private static final Map<String, Setting<?>> BY_OPTION = Map.of(
            "--registry", CommonSettings.REGISTRY_URL,
            "--bootstrap-servers", CommonSettings.KAFKA_BOOTSTRAP_SERVERS,
            "--max-replay-count", DlqSettings.MAX_REPLAY_COUNT,
            "--replay-batch", DlqSettings.REPLAY_BATCH,
            "--host", DlqSettings.HTTP_HOST,
            "--port", DlqSettings.HTTP_PORT);

    /** Who the local admin is when {@code --as} is not given. */
    static final String STEWARD_ENV = "SPINE_STEWARD";
    static final String TOKEN_ENV = "SPINE_DLQ_TOKEN";

    @Override
    public String defaultValue(CommandLine.Model.ArgSpec argSpec) {
        if (!(argSpec instanceof CommandLine.Model.OptionSpec option)) {
            return null;
        }
        String name = option.longestName();
        if (name.equals("--as")) {
            String env = System.getenv(STEWARD_ENV);
            return env != null && !env.isBlank() ? env : System.getProperty("user.name");
        }
        if (name.equals("--token")) {
            String env = System.getenv(TOKEN_ENV);
            return env == null || env.isBlank() ? null : env;
        }
        Setting<?> setting = BY_OPTION.get(name);
        if (setting == null) {
            return null;
        }
        String env = System.getenv(setting.envName());
        return env != null && !env.isBlank() ? env : setting.defaultValue().map(String::valueOf).orElse(null);
    }
}
