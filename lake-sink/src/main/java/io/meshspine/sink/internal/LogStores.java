package io.meshspine.sink.internal;

import org.apache.hadoop.conf.Configuration;

import java.net.URI;
import java.util.Locale;
import java.util.Set;

/**
 * Which Delta log store writes a lake's versions, and whether it lets several writers commit to one table. A Delta
 * version is safe only if exactly one writer can create {@code _delta_log/<version>.json}:
 * <ul>
 *   <li>{@code file:} (local or mounted POSIX): {@link PosixLogStore}, a hard link that fails when the name exists
 *       (set here unless the operator names another store);</li>
 *   <li>{@code hdfs:}, {@code abfs(s):}, {@code wasb(s):}, {@code adl:}, {@code gs:}: Delta's defaults, whose renames or
 *       conditional creates are atomic on those stores (unchanged);</li>
 *   <li>{@code s3:}, {@code s3a:}, {@code s3n:}: Delta's default, S3SingleDriverLogStore, is safe only inside one JVM; a
 *       second process can overwrite a version. The sink refuses to start there unless another store is configured
 *       (S3DynamoDBLogStore) or the operator declares one writer ({@code sink.single-writer=true}).</li>
 * </ul>
 */
public final class LogStores {

    public static final String FILE_STORE_KEY = schemeKey("file");
    private static final String CLASS_KEY = "delta.logStore.class";
    private static final Set<String> S3_SCHEMES = Set.of("s3", "s3a", "s3n");
    private static final String S3_SINGLE_DRIVER = "S3SingleDriverLogStore";

    /** An S3 lake whose log store lets two writers overwrite each other's versions, and no declaration of one writer. */
    public static final class UnsafeLogStoreException extends IllegalStateException {
        UnsafeLogStoreException(String message) {
            super(message);
        }
    }

    private LogStores() {
    }

    /** The Hadoop setting that names the log store of a URI scheme (delta-standalone's own key). */
    public static String schemeKey(String scheme) {
        return "delta.logStore." + scheme + ".impl";
    }

    /** Local lakes get the put-if-absent store, unless the operator chose a store for {@code file:} or for all. */
    static void configure(Configuration conf) {
        if (configured(conf, "file") == null) {
            conf.set(FILE_STORE_KEY, PosixLogStore.class.getName());
        }
    }

    /**
     * Refuses an S3 lake whose log store is not multi-writer safe, unless one writer is guaranteed.
     *
     * @param singleWriter the operator guarantees one process writes the lake (the sink with its own upkeep, nothing else)
     * @param setting      the setting that declares it, named in the refusal
     * @throws UnsafeLogStoreException naming the lake, the store and the settings that make it safe
     */
    public static void requireSafe(String lakeRoot, Configuration conf, boolean singleWriter, String setting) {
        String scheme = scheme(lakeRoot);
        if (!S3_SCHEMES.contains(scheme) || singleWriter) {
            return;
        }
        String store = configured(conf, scheme);
        if (store == null || store.endsWith(S3_SINGLE_DRIVER)) {
            throw new UnsafeLogStoreException("lake " + lakeRoot + " is on S3, where Delta's default log store ("
                    + (store == null ? "io.delta.storage." + S3_SINGLE_DRIVER : store) + ") lets two writers overwrite each other's"
                    + " commits: set hadoop." + schemeKey(scheme) + "=io.delta.storage.S3DynamoDBLogStore (with its ddb settings), or "
                    + setting + "=true if exactly one process writes this lake");
        }
    }

    private static String configured(Configuration conf, String scheme) {
        for (String key : new String[]{schemeKey(scheme), "spark." + schemeKey(scheme), CLASS_KEY, "spark." + CLASS_KEY}) {
            String value = conf.get(key);
            if (value != null && !value.isBlank()) {
                return value.trim();
            }
        }
        return null;
    }

    static String scheme(String location) {
        String qualified = Hadoop.qualify(location);
        String scheme = URI.create(qualified.replace(" ", "%20")).getScheme();
        return scheme == null ? "file" : scheme.toLowerCase(Locale.ROOT);
    }
}
