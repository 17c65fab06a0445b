package io.meshspine.cli.privacy;

import io.meshspine.cli.SpineHome;
import io.meshspine.core.config.CommonSettings;
import io.meshspine.core.config.ConfigDef;
import io.meshspine.core.config.ConfigException;
import io.meshspine.core.config.Setting;
import io.meshspine.core.config.SpineConfig;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.privacy.DataKeyStore;
import io.meshspine.core.privacy.PrivacyConfig;
import io.meshspine.core.privacy.PrivacySettings;
import io.meshspine.core.topic.Topics;
import io.meshspine.dlq.DlqConfig;
import io.meshspine.dlq.DlqWorkbench;
import io.meshspine.gate.GateSettings;
import io.meshspine.sink.SinkSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code ./spine privacy erase|rotate}: erasure of a data subject, and re-wrapping the data keys after a master key change. */
@Command(name = "privacy", mixinStandardHelpOptions = true, description = "Privacy at rest: erase a data subject, rotate the master key.",
        subcommands = {PrivacyCommand.Erase.class, PrivacyCommand.Rotate.class})
public final class PrivacyCommand implements Runnable {

    static final int DONE = 0;
    static final int USAGE = 2;
    static final int FAILED = 1;

    /**
     * The settings `./spine privacy` reads: where Kafka and the lake are, the gate's hash key (Silver holds the subject's
     * hash) and the privacy keys.
     */
    public static ConfigDef definition() {
        List<Setting<?>> own = new ArrayList<>(List.of(SinkSettings.LAKE, GateSettings.HASH_KEY));
        own.addAll(PrivacySettings.ALL);
        return CommonSettings.define("privacy", own)
                .passingThrough(SinkSettings.HADOOP_PREFIX, "Passed to Hadoop with the prefix removed (e.g. `hadoop.fs.s3a.endpoint`).");
    }

    @Override
    public void run() {
        System.err.println("spine privacy: name a command: erase or rotate (see --help)");
    }

    abstract static class WithSettings {
        @Option(names = "--config", paramLabel = "<file>", description = "Properties file (the sink's and the gate's keys: kafka.bootstrap.servers, "
                + "sink.lake, gate.hash-key, privacy.*); SPINE_* variables override it.")
        Path config;

        @Option(names = "--dir", paramLabel = "<dir>", description = "The contracts tree (default: schemas/ of this checkout, else the packaged contracts).")
        Path contractsDir;

        SpineConfig settings() {
            return definition().load(config, System.getenv());
        }

        ContractCatalog catalog() {
            if (contractsDir != null) {
                return ContractCatalog.load(contractsDir);
            }
            Path checkout = SpineHome.orDefault(null, "schemas");
            return Files.isDirectory(checkout) ? ContractCatalog.load(checkout) : ContractCatalog.fromClasspath();
        }
    }

    @Command(name = "erase", mixinStandardHelpOptions = true,
            description = {"Erase one data subject: destroy its data keys (its Bronze rows and encrypted originals become unreadable),"
                    + " mark its dead letters resolved, delete its Silver rows (one Delta commit per table; --purge-now deletes the"
                    + " rewritten files at once), list the Bronze files now unreadable, and write an"
                    + " attestation to spine.audit (printed too). Running it twice changes nothing the second time.",
                    "Exit codes: 0 done, 1 failed part-way (the attestation says what was done), 2 usage or configuration."})
    static final class Erase extends WithSettings implements Callable<Integer> {

        @Option(names = "--contract-subject", required = true, paramLabel = "<field>=<value>",
                description = "The subject field the contracts name (subject: {field: ...}) and the subject's value, e.g. customer_id=C-1001.")
        String subject;

        @Option(names = "--reason", required = true, paramLabel = "<ticket>", description = "Why: the request's ticket or legal basis.")
        String reason;

        @Option(names = "--requested-by", paramLabel = "<who>", description = "Who asked (default: $USER).")
        String requestedBy;

        @Option(names = "--json", description = "Print the attestation as JSON instead of text.")
        boolean json;

        @Option(names = "--purge-now", description = "Delete the files the Silver delete commits removed at once instead of at the"
                + " next vacuum after the retention. Breaks time travel to the table versions before the erasure.")
        boolean purgeNow;

        @Override
        public Integer call() {
            PrintStream out = System.out;
            PrintStream err = System.err;
            int eq = subject.indexOf('=');
            if (eq <= 0 || eq == subject.length() - 1) {
                err.println("spine privacy erase: --contract-subject wants <field>=<value>, e.g. customer_id=C-1001");
                return USAGE;
            }
            SpineConfig settings;
            try {
                settings = settings();
            } catch (ConfigException e) {
                err.println("spine privacy erase: " + e.getMessage());
                return USAGE;
            }
            PrivacyConfig privacy = PrivacySettings.parse(settings);
            if (privacy.masters().current().isDemo()) {
                err.println("  note      the built-in DEMO master key is in use; set privacy.master-key for real data");
            }
            String who = requestedBy != null ? requestedBy : System.getProperty("user.name", "unknown");
            var kafka = CommonSettings.kafkaClient(settings);
            ContractCatalog contracts = catalog();
            java.util.Map<String, Object> kafkaRest = new java.util.HashMap<>(kafka);
            kafkaRest.remove("bootstrap.servers");
            // The workbench finds the subject's dead letters and marks them resolved (its index in a temporary directory).
            DlqConfig dlq = DlqConfig.defaults(settings.get(CommonSettings.KAFKA_BOOTSTRAP_SERVERS), settings.get(CommonSettings.REGISTRY_URL))
                    .withKafkaClient(kafkaRest).withPrivacy(privacy);
            try (DataKeyStore keys = privacy.openKeyStore(Topics.PRIVACY_KEYS, kafka);
                 DlqWorkbench workbench = DlqWorkbench.open(dlq, contracts)) {
                Erasure erasure = new Erasure(contracts.contracts(), settings.get(SinkSettings.LAKE), settings.passThrough(SinkSettings.HADOOP_PREFIX),
                        keys, settings.get(GateSettings.HASH_KEY).getBytes(StandardCharsets.UTF_8), kafka, Clock.systemUTC(), workbench);
                if (erasure.contractsOf(subject.substring(0, eq)).isEmpty()) {
                    err.println("spine privacy erase: no contract names '" + subject.substring(0, eq) + "' as its data subject");
                    return USAGE;
                }
                Attestation a = erasure.erase(new Erasure.Request(subject.substring(0, eq), subject.substring(eq + 1), reason, who, purgeNow,
                        io.meshspine.dlq.Steward.localAdmin(who)));
                out.print(json ? a.toJson().toPrettyString() + "\n" : a.toText());
                return DONE;
            } catch (RuntimeException e) {
                err.println("spine privacy erase: " + e.getMessage());
                return FAILED;
            }
        }
    }

    @Command(name = "rotate", mixinStandardHelpOptions = true,
            description = {"Re-wrap every data key with privacy.master-key (the previous master keys in privacy.previous-master-keys"
                    + " still unwrap them until this is done). Data is not touched.", "Exit codes: 0 done, 1 failed, 2 configuration."})
    static final class Rotate extends WithSettings implements Callable<Integer> {
        @Override
        public Integer call() {
            SpineConfig settings;
            try {
                settings = settings();
            } catch (ConfigException e) {
                System.err.println("spine privacy rotate: " + e.getMessage());
                return USAGE;
            }
            PrivacyConfig privacy = PrivacySettings.parse(settings);
            try (DataKeyStore keys = privacy.openKeyStore(Topics.PRIVACY_KEYS, CommonSettings.kafkaClient(settings))) {
                int n = keys.rewrap();
                System.out.println("re-wrapped " + n + " data keys with master key " + privacy.masters().current().id()
                        + "; live keys by master key: " + keys.liveKeysByMasterKey());
                return DONE;
            } catch (RuntimeException e) {
                System.err.println("spine privacy rotate: " + e.getMessage());
                return FAILED;
            }
        }
    }
}
