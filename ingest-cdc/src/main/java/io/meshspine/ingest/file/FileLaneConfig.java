package io.meshspine.ingest.file;

import io.meshspine.core.lineage.LineageConfig;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * The file lane's settings, typed and checked once. To be wired to spine-core's declared config keys when they land.
 *
 * @param landingRoot      the landing directory; contracts' landing globs are relative to it
 * @param bootstrapServers the Kafka cluster
 * @param registryUrl      Apicurio's v3 API
 * @param transactionalId  stable per lane instance: a restarted lane fences its predecessor's open transaction and
 *                         aborts it, so a killed ingest leaves nothing half-visible
 * @param chunkRows        rows (good and dead-lettered) per Kafka transaction; a large file is committed in chunks,
 *                         each with its progress in the ledger, and a restart resumes after the last one
 * @param pollInterval     how often the landing area is listed; a file is taken once its size and modification time
 *                         have not changed between two listings
 * @param maxLineChars     longest line (record) read; a longer one is dead-lettered, cut at this length
 * @param progressInterval how often a long file logs its progress
 * @param retryBackoff     wait after a transient fault (broker or registry unreachable) before the file is tried again
 * @param landingUri  a Hadoop FileSystem URI of the landing area (s3a://, abfss://, file://) used instead of
 *                    {@code landingRoot}; null for the local directory
 * @param lineage     where the lane's run events go (one run per file)
 * @param privacy     the keys dead letters of unreadable lines are sealed with (null: in clear)
 * @param kafkaClient every other Kafka client property ({@code kafka.*} without the prefix: TLS, SASL), given to every
 *                    client the lane makes; may hold secrets
 */
public record FileLaneConfig(Path landingRoot, String bootstrapServers, String registryUrl, String transactionalId,
                             int chunkRows, Duration pollInterval, int maxLineChars, Duration progressInterval,
                             Duration retryBackoff, String landingUri, LineageConfig lineage,
                             io.meshspine.core.privacy.PrivacyConfig privacy, java.util.Map<String, Object> kafkaClient) {

    public static final String DEFAULT_TRANSACTIONAL_ID = "spine-file-lane";

    public FileLaneConfig {
        Objects.requireNonNull(landingRoot, "landingRoot");
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(registryUrl, "registryUrl");
        Objects.requireNonNull(transactionalId, "transactionalId");
        Objects.requireNonNull(lineage, "lineage");
        kafkaClient = java.util.Map.copyOf(kafkaClient);
        if (chunkRows < 1) {
            throw new IllegalArgumentException("file lane chunk rows must be at least 1, was " + chunkRows);
        }
        if (maxLineChars < 1024) {
            throw new IllegalArgumentException("file lane max line chars must be at least 1024, was " + maxLineChars);
        }
        if (pollInterval.isNegative() || pollInterval.isZero()) {
            throw new IllegalArgumentException("file lane poll interval must be positive, was " + pollInterval);
        }
    }

    /** The embedded setup: 100,000 rows per transaction, a listing every second, lines up to 1,000,000 characters. */
    public static FileLaneConfig defaults(String bootstrapServers, String registryUrl, Path landingRoot) {
        return new FileLaneConfig(landingRoot, bootstrapServers, registryUrl, DEFAULT_TRANSACTIONAL_ID, 100_000,
                Duration.ofSeconds(1), 1_000_000, Duration.ofSeconds(5), Duration.ofSeconds(5), null, LineageConfig.NONE, null, java.util.Map.of());
    }

    /**
     * Dead letters of lines that do not read (contracts with PII) keep the line encrypted under the domain's key
     * (issue 16); null: in clear.
     */
    public FileLaneConfig withPrivacy(io.meshspine.core.privacy.PrivacyConfig p) {
        return new FileLaneConfig(landingRoot, bootstrapServers, registryUrl, transactionalId, chunkRows, pollInterval, maxLineChars,
                progressInterval, retryBackoff, landingUri, lineage, p, kafkaClient);
    }

    /**
     * A landing area behind a Hadoop FileSystem URI ({@code s3a://bucket/landing}, {@code abfss://...}, {@code file:///...})
     * instead of the local {@code landingRoot}.
     */
    public FileLaneConfig withLandingUri(String uri) {
        return new FileLaneConfig(landingRoot, bootstrapServers, registryUrl, transactionalId, chunkRows, pollInterval, maxLineChars,
                progressInterval, retryBackoff, uri, lineage, privacy, kafkaClient);
    }

    public FileLaneConfig withTransactionalId(String id) {
        return new FileLaneConfig(landingRoot, bootstrapServers, registryUrl, id, chunkRows, pollInterval, maxLineChars,
                progressInterval, retryBackoff, landingUri, lineage, privacy, kafkaClient);
    }

    public FileLaneConfig withChunkRows(int rows) {
        return new FileLaneConfig(landingRoot, bootstrapServers, registryUrl, transactionalId, rows, pollInterval, maxLineChars,
                progressInterval, retryBackoff, landingUri, lineage, privacy, kafkaClient);
    }

    public FileLaneConfig withPollInterval(Duration interval) {
        return new FileLaneConfig(landingRoot, bootstrapServers, registryUrl, transactionalId, chunkRows, interval, maxLineChars,
                progressInterval, retryBackoff, landingUri, lineage, privacy, kafkaClient);
    }

    public FileLaneConfig withMaxLineChars(int chars) {
        return new FileLaneConfig(landingRoot, bootstrapServers, registryUrl, transactionalId, chunkRows, pollInterval, chars,
                progressInterval, retryBackoff, landingUri, lineage, privacy, kafkaClient);
    }

    public FileLaneConfig withRetryBackoff(Duration backoff) {
        return new FileLaneConfig(landingRoot, bootstrapServers, registryUrl, transactionalId, chunkRows, pollInterval, maxLineChars,
                progressInterval, backoff, landingUri, lineage, privacy, kafkaClient);
    }

    public FileLaneConfig withLineage(LineageConfig l) {
        return new FileLaneConfig(landingRoot, bootstrapServers, registryUrl, transactionalId, chunkRows, pollInterval, maxLineChars,
                progressInterval, retryBackoff, landingUri, l, privacy, kafkaClient);
    }

    public FileLaneConfig withKafkaClient(java.util.Map<String, ?> properties) {
        return new FileLaneConfig(landingRoot, bootstrapServers, registryUrl, transactionalId, chunkRows, pollInterval, maxLineChars,
                progressInterval, retryBackoff, landingUri, lineage, privacy, java.util.Map.copyOf(properties));
    }

    /** What every Kafka client of the lane starts from: the cluster and the operator's {@code kafka.*} settings. */
    public java.util.Map<String, Object> clientProperties() {
        return io.meshspine.core.config.CommonSettings.kafkaClient(bootstrapServers, kafkaClient);
    }
}
