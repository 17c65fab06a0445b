package io.meshspine.ingest.file;

import io.meshspine.core.config.CommonSettings;
import io.meshspine.core.config.Setting;
import io.meshspine.core.config.SpineConfig;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** The file lane's declared settings (part of `./spine run ingest`). */
public final class FileLaneSettings {

    public static final Setting<Boolean> ENABLED = Setting.bool("file.enabled", true,
            "Watch the landing area for the files of contracts with lane `file`.");
    public static final Setting<String> LANDING = Setting.string("file.landing", "landing",
            "Landing area root: a local directory, or a Hadoop FileSystem URI (`s3a://bucket/landing`, `abfss://...`); "
                    + "contracts' `source.landing` globs are relative to it; `archive/` and `quarantine/` live in it.");
    public static final Setting<String> TRANSACTIONAL_ID = Setting.string("file.transactional-id", FileLaneConfig.DEFAULT_TRANSACTIONAL_ID,
            "Stable per lane instance (one per landing area): a restarted lane fences its predecessor and resumes its files.");
    public static final Setting<Integer> CHUNK_ROWS = Setting.integer("file.chunk-rows", 100_000,
            "Rows per Kafka transaction (with the ledger's progress): a crash resumes after the last committed chunk.").atLeast(1);
    public static final Setting<Duration> POLL_INTERVAL = Setting.duration("file.poll-interval", Duration.ofSeconds(1),
            "How often the landing area is listed.").positive();
    public static final Setting<Integer> MAX_LINE_CHARS = Setting.integer("file.max-line-chars", 1_000_000,
            "Longer lines (or CSV records) are dead-lettered: bounded memory whatever the file holds.").atLeast(1024);
    public static final Setting<Duration> RETRY_BACKOFF = Setting.duration("file.retry-backoff", Duration.ofSeconds(5),
            "Wait before retrying when the broker or registry is unreachable.").positive();

    /** The lane's own keys and the privacy keys its dead letters are encrypted with. */
    public static final List<Setting<?>> ALL = java.util.stream.Stream.concat(java.util.stream.Stream.of(ENABLED, LANDING, TRANSACTIONAL_ID,
            CHUNK_ROWS, POLL_INTERVAL, MAX_LINE_CHARS, RETRY_BACKOFF), io.meshspine.core.privacy.PrivacySettings.ALL.stream()).toList();

    private FileLaneSettings() {
    }

    public static FileLaneConfig toFileLaneConfig(SpineConfig config) {
        String landing = config.get(LANDING);
        boolean uri = HadoopLanding.isUri(landing);
        return FileLaneConfig.defaults(config.get(CommonSettings.KAFKA_BOOTSTRAP_SERVERS), config.get(CommonSettings.REGISTRY_URL),
                        uri ? Path.of(".") : Path.of(landing))
                .withLandingUri(uri ? landing : null)
                .withTransactionalId(config.get(TRANSACTIONAL_ID))
                .withChunkRows(config.get(CHUNK_ROWS))
                .withPollInterval(config.get(POLL_INTERVAL))
                .withMaxLineChars(config.get(MAX_LINE_CHARS))
                .withRetryBackoff(config.get(RETRY_BACKOFF))
                .withKafkaClient(config.passThrough(CommonSettings.KAFKA_PREFIX))
                .withPrivacy(io.meshspine.core.privacy.PrivacySettings.parse(config))
                .withLineage(io.meshspine.core.lineage.LineageSettings.toConfig(config));
    }
}
